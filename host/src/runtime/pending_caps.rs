//! Placeholder host side of `exec` until its capability module lands:
//! everything is denied.

use super::bindings::v0_2::kiln::plugin::exec;
use super::state::ActionState;

impl exec::Host for ActionState {
    async fn run(
        &mut self,
        cmd: exec::Command,
    ) -> wasmtime::Result<Result<exec::ExitStatus, exec::Error>> {
        Ok(Err(exec::Error::Denied(format!(
            "exec of `{}` is not granted",
            cmd.program
        ))))
    }

    async fn output(
        &mut self,
        cmd: exec::Command,
    ) -> wasmtime::Result<Result<exec::Captured, exec::Error>> {
        Ok(Err(exec::Error::Denied(format!(
            "exec of `{}` is not granted",
            cmd.program
        ))))
    }

    fn host_path(&mut self, _path: String) -> wasmtime::Result<Option<String>> {
        Ok(None)
    }
}
