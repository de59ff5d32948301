//! Generates the `.zir` parser from `src/text/grammar.lalrpop` into `OUT_DIR`.

fn main() {
    lalrpop::Configuration::new()
        .emit_rerun_directives(true)
        .use_cargo_dir_conventions()
        .process()
        .expect("lalrpop failed to generate the .zir parser");
}
