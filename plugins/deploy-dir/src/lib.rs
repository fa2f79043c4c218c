use kiln_sdk::{Context, Error, Info, Plugin, export_plugin};
struct DeployDir;
impl Plugin for DeployDir {
    fn describe() -> Info { Info::new("deploy-dir", "0.1.0") }
    fn run(_ctx: Context) -> Result<String, Error> { Ok("x".into()) }
}
export_plugin!(DeployDir);
