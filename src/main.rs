use std::process::ExitCode;

fn main() -> ExitCode {
    stordeck::cli::main()
}
