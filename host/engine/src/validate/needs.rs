//! Pass: `needs`. Each names an action of the same stage (stages already
//! run in order), never itself, and the graph has no cycle.

use std::collections::{HashMap, HashSet};

use kiln_pipeline::PipelineFile;

use super::report::{Report, Site};

/// For each stage, each action's needs as indices into the stage.
pub type Needs = Vec<Vec<Vec<usize>>>;

pub fn resolve(pipeline: &PipelineFile, report: &mut Report<'_>) -> Needs {
    let everywhere: HashSet<&str> = pipeline
        .stages
        .iter()
        .flat_map(|stage| stage.actions.iter().map(|a| a.name.as_str()))
        .collect();
    let mut all = Vec::new();
    for (s, stage) in pipeline.stages.iter().enumerate() {
        let index: HashMap<&str, usize> = stage
            .actions
            .iter()
            .enumerate()
            .map(|(a, action)| (action.name.as_str(), a))
            .collect();
        let mut needs: Vec<Vec<usize>> = Vec::new();
        for (a, action) in stage.actions.iter().enumerate() {
            let site = Site {
                stage: s,
                action: a,
            };
            let mut resolved = Vec::new();
            for need in &action.needs {
                match index.get(need.as_str()) {
                    Some(&n) if n == a => report.add(
                        need.at,
                        site.field("needs"),
                        format!("action `{}` needs itself", *action.name),
                    ),
                    Some(&n) => resolved.push(n),
                    None if everywhere.contains(need.as_str()) => report.add(
                        need.at,
                        site.field("needs"),
                        format!(
                            "`{}` is in another stage; `needs` names actions of the same stage (stages already run in order)",
                            **need
                        ),
                    ),
                    None => report.add(
                        need.at,
                        site.field("needs"),
                        format!("no action `{}` in stage `{}`", **need, *stage.name),
                    ),
                }
            }
            needs.push(resolved);
        }
        if let Some(cycle) = find_cycle(&needs) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|&a| stage.actions[a].name.as_str())
                .collect();
            let first = &stage.actions[cycle[0]];
            let at = first.needs.first().map(|n| n.at).unwrap_or(first.at);
            report.add(
                at,
                format!("stages[{s}].actions[{}].needs", cycle[0]),
                format!(
                    "`needs` form a cycle: {} -> {}",
                    names.join(" -> "),
                    names[0]
                ),
            );
        }
        all.push(needs);
    }
    all
}

/// Some cycle in the `needs` graph, as action indices, if there is one.
fn find_cycle(needs: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit(
        node: usize,
        needs: &[Vec<usize>],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[node] = Mark::Active;
        path.push(node);
        for &next in &needs[node] {
            match marks[next] {
                Mark::Active => {
                    let start = path.iter().position(|&n| n == next).unwrap_or(0);
                    return Some(path[start..].to_vec());
                }
                Mark::New => {
                    if let Some(cycle) = visit(next, needs, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[node] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; needs.len()];
    for node in 0..needs.len() {
        if marks[node] == Mark::New
            && let Some(cycle) = visit(node, needs, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// Whether `action` transitively needs `other`.
pub fn depends_on(needs: &[Vec<usize>], action: usize, other: usize) -> bool {
    let mut stack = needs[action].clone();
    let mut seen = HashSet::new();
    while let Some(next) = stack.pop() {
        if next == other {
            return true;
        }
        if seen.insert(next) {
            stack.extend(&needs[next]);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_and_named_in_order() {
        assert_eq!(
            find_cycle(&[vec![1], vec![2], vec![0]]),
            Some(vec![0, 1, 2])
        );
        assert_eq!(find_cycle(&[vec![], vec![0], vec![0, 1]]), None);
        assert_eq!(find_cycle(&[vec![], vec![1]]), Some(vec![1]));
    }

    #[test]
    fn transitive_needs_count_as_dependencies() {
        let needs = vec![vec![], vec![0], vec![1]];
        assert!(depends_on(&needs, 2, 0));
        assert!(!depends_on(&needs, 0, 2));
    }
}
