//! Prints the Python → Rust mapping table as JSON (`cargo run --example mapping_json`), or,
//! with `--paths`, the source of `tests/mapping/paths.rs` (the compile check of every path).

fn main() {
    if std::env::args().any(|a| a == "--paths") {
        print!("{}", portalis_threading::mapping::paths_check_source());
        return;
    }
    let table = portalis_threading::mapping::table();
    match serde_json::to_string_pretty(&table) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("mapping_json: cannot serialize the table: {e}");
            std::process::exit(1);
        }
    }
}
