//! Approvals from the command line: `kiln approve`, and the question
//! `kiln run` asks at a terminal when an approval action waits.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use futures::future::BoxFuture;
use kiln::Host;
use kiln::engine::approvals::{ApprovalGate, ApprovalRequest, StoreApprovals};
use kiln::model::approval::ApprovalDecision;
use kiln::store::history::ApprovalError;

use super::EXIT_BAD_INPUT;
use super::output;
use super::remote::Remote;

/// Who decides when `--as` does not say: the login name.
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `kiln approve RUN ACTION [--reject] [--comment] [--as]`.
pub fn approve(
    host: &Host,
    run: &str,
    action: &str,
    approved: bool,
    comment: Option<String>,
    who: Option<String>,
) -> Result<ExitCode> {
    let history = host.history();
    let run_id = history.resolve(run)?;
    let decision = ApprovalDecision {
        approved,
        by: who.unwrap_or_else(current_user),
        comment,
    };
    match history.decide_approval(&run_id, action, &decision) {
        Ok(()) => {
            print_decided(approved, action, &run_id, &decision.by);
            Ok(ExitCode::SUCCESS)
        }
        Err(ApprovalError::Store(error)) => Err(error.into()),
        Err(refused) => {
            output::error(&anyhow::anyhow!(refused));
            Ok(ExitCode::from(EXIT_BAD_INPUT))
        }
    }
}

/// `kiln approve --pending`.
pub fn pending(host: &Host) -> Result<ExitCode> {
    let waiting = host.history().pending_approvals(None)?;
    print_pending(waiting.into_iter().map(|a| {
        let deadline = kiln::store::history::rfc3339(a.deadline_ms);
        (a.run_id, a.action, a.approvers, deadline)
    }));
    Ok(ExitCode::SUCCESS)
}

/// `kiln approve RUN ACTION --server URL`: decided as the token's name.
pub async fn approve_remote(
    remote: &Remote,
    run: &str,
    action: &str,
    approved: bool,
    comment: Option<String>,
) -> Result<ExitCode> {
    let verb_path = if approved { "approve" } else { "reject" };
    let answer = remote
        .post(
            &["runs", run, "actions", action, verb_path],
            serde_json::json!({ "comment": comment }),
        )
        .await?;
    print_decided(
        approved,
        action,
        answer["run"].as_str().unwrap_or(run),
        answer["by"].as_str().unwrap_or("?"),
    );
    Ok(ExitCode::SUCCESS)
}

/// `Approved go-live of run <id> as alice`.
fn print_decided(approved: bool, action: &str, run: &str, by: &str) {
    let (style, verb) = if approved {
        (output::GREEN, "Approved")
    } else {
        (output::RED, "Rejected")
    };
    output::status(style, verb, &format!("{action} of run {run} as {by}"));
}

/// `kiln approve --pending --server URL`.
pub async fn pending_remote(remote: &Remote) -> Result<ExitCode> {
    #[derive(serde::Deserialize)]
    struct Waiting {
        run: String,
        action: String,
        approvers: Vec<String>,
        deadline: String,
    }
    let waiting: Vec<Waiting> = remote.get(&["approvals"], &[]).await?;
    print_pending(
        waiting
            .into_iter()
            .map(|w| (w.run, w.action, w.approvers, w.deadline)),
    );
    Ok(ExitCode::SUCCESS)
}

/// One line per waiting approval: run, action, deadline, who may decide.
fn print_pending(waiting: impl Iterator<Item = (String, String, Vec<String>, String)>) {
    let mut any = false;
    for (run, action, approvers, deadline) in waiting {
        any = true;
        let who = if approvers.is_empty() {
            "anyone".to_owned()
        } else {
            approvers.join(", ")
        };
        println!("{run}  {action:<20} until {deadline}  ({who})");
    }
    if !any {
        println!("no approval is waiting");
    }
}

/// What `kiln run` does when an approval waits: at a terminal, ask the
/// person there (while a decision from `kiln approve` elsewhere is
/// accepted too); with no terminal, fail at once and say how to wait for
/// a decision instead.
pub struct TerminalApprovals {
    pub store: StoreApprovals,
    pub user: String,
}

impl TerminalApprovals {
    fn interactive() -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }
}

impl ApprovalGate for TerminalApprovals {
    fn decide<'a>(
        &'a self,
        request: &'a ApprovalRequest,
    ) -> BoxFuture<'a, Result<ApprovalDecision, String>> {
        Box::pin(async move {
            if !Self::interactive() {
                return Err(format!(
                    "`{}` needs a person's approval and this `kiln run` has no terminal to ask; \
                     run the pipeline under `kiln serve` (approve with `kiln approve` or the API), \
                     or from a terminal",
                    request.action
                ));
            }
            let may_decide = request.approvers.is_empty() || request.approvers.contains(&self.user);
            if !may_decide {
                output::status(
                    output::YELLOW,
                    "Waiting",
                    &format!(
                        "{} for {} (`kiln approve {} {}`)",
                        request.action,
                        request.approvers.join(" or "),
                        request.run_id,
                        request.action
                    ),
                );
                return self.store.decide(request).await;
            }
            let asked = ask(request, self.user.clone());
            tokio::select! {
                decision = self.store.decide(request) => decision,
                answer = asked => answer,
            }
        })
    }
}

/// Ask at the terminal on a thread of its own: a read of stdin cannot be
/// cancelled, and a detached thread ends with the process.
async fn ask(request: &ApprovalRequest, user: String) -> Result<ApprovalDecision, String> {
    let (send, receive) = tokio::sync::oneshot::channel();
    let question = format!(
        "Approve `{}` of stage `{}`? Answer y or n, then an optional comment: ",
        request.action, request.stage
    );
    std::thread::spawn(move || {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        drop(err);
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = send.send(read.map(|_| line));
    });
    match receive.await {
        Ok(Ok(line)) => Ok(parse_answer(&line, user)),
        _ => Err("the terminal closed before anyone answered".to_owned()),
    }
}

/// `y looks good` approves with a comment; anything else rejects.
fn parse_answer(line: &str, by: String) -> ApprovalDecision {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let approved = matches!(word.to_ascii_lowercase().as_str(), "y" | "yes");
    let comment = Some(rest.trim().to_owned()).filter(|c| !c.is_empty());
    ApprovalDecision {
        approved,
        by,
        comment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_yes_approves_and_the_rest_is_the_comment() {
        let yes = parse_answer("y  ship it\n", "ann".into());
        assert!(yes.approved);
        assert_eq!(yes.comment.as_deref(), Some("ship it"));
        assert!(parse_answer("YES\n", "ann".into()).approved);
        let no = parse_answer("nope, broken\n", "ann".into());
        assert!(!no.approved);
        assert!(!parse_answer("\n", "ann".into()).approved);
    }
}
