//! The hostile suite's one strict helper: an attack runs next to a
//! well-behaved neighbour and before an `if: always` survivor; the attack
//! must fail its own action and nothing else.

use super::{Run, Sandbox};

/// Run `attack` (an action body, indented for an action list) next to a
/// well-behaved neighbour, with an `if: always` action in a later stage.
/// Returns the attacker's record and log, after checking the containment
/// every case shares.
#[track_caller]
pub fn contained(sandbox: &Sandbox, attack: &str) -> (serde_json::Value, String, Run) {
    sandbox.pipeline(&format!(
        r#"
name: hostile
stages:
  - name: attack
    actions:
      - name: attacker
{attack}
      - name: neighbour
        uses: probe
        with: {{ mode: write, text: "untouched" }}
        outputs: [neighbour-out]
  - name: after
    actions:
      - name: survivor
        uses: probe
        if: always
        inputs: [neighbour-out]
        with: {{ mode: concat, expect: "untouched" }}
"#
    ));
    let run = sandbox.kiln(&["run", "--jobs", "2"]);
    assert_eq!(
        run.code,
        1,
        "the pipeline fails because of the attacker:\n{}",
        run.output()
    );
    let attacker = sandbox.action("attacker");
    assert_eq!(attacker["status"], "failed", "{attacker:#}");
    assert_eq!(
        sandbox.action("neighbour")["status"],
        "succeeded",
        "the neighbour is untouched"
    );
    assert_eq!(
        sandbox.action("survivor")["status"],
        "succeeded",
        "the host went on: {}",
        run.output()
    );
    let log = sandbox.log("attacker", 1);
    (attacker, log, run)
}

pub fn error(record: &serde_json::Value) -> String {
    record["error"].as_str().unwrap_or_default().to_owned()
}
