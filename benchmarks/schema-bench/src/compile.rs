//! The macro's compile cost. Four crates in a throwaway workspace: the five
//! example schemas with `#[table]`, the same structs plain (every
//! `#[table]`, `#[column]`, `#[pg_enum]` and `#[value]` removed), and the
//! same pair for the 200-table synthetic schema. Dependencies are built
//! first (untimed); then each crate's source is touched and `cargo check`
//! timed, alternating the pair, median of several runs. Also the size of
//! the expansion: each `#[table]` / `#[pg_enum]` item expanded with the
//! macro's own `expand` functions, printed with prettyplease, lines counted.
//! The expansion is also checked as source part by part, and the floor of
//! any typed-accessor design (the structs with only their accessors) is
//! re-checked against the plain crate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use quote::ToTokens as _;
use schema_core::syntax;

use crate::measure::{self, median, Job, Outcome};

const EXAMPLES: [&str; 5] = ["selfkit", "apexkit", "dbkeep", "tskit", "vitaes"];
const SYNTHETIC_TABLES: usize = 200;
const RUNS: usize = 5;

/// `cargo check` of one pair of crates.
#[derive(Clone, Debug)]
pub struct CheckPair {
    pub name: String,
    pub tables: usize,
    pub enums: usize,
    pub runs: usize,
    /// Re-check after a touch, incremental (cargo's default for check).
    pub with_macro: f64,
    pub plain: f64,
    /// The same with `CARGO_INCREMENTAL=0`: the whole crate checked again.
    pub with_macro_full: f64,
    pub plain_full: f64,
    /// The macro's output written out as source, no proc macro run,
    /// `CARGO_INCREMENTAL=0`.
    pub expanded_full: f64,
    /// CPU seconds (user + system) of the same five, in that order:
    /// plain, with the macro, plain full, with the macro full, expanded full.
    pub cpu: [f64; 5],
}

/// The expansion of one crate's items.
#[derive(Clone, Debug)]
pub struct Expansion {
    pub name: String,
    pub tables: usize,
    /// Lines of the `#[table]` structs as written (pretty-printed, without
    /// our attributes).
    pub struct_lines: usize,
    /// Lines of their expansion (the struct included).
    pub expanded_lines: usize,
    pub enums: usize,
    pub enum_expanded_lines: usize,
}

pub struct Report {
    pub checks: Vec<CheckPair>,
    pub expansions: Vec<Expansion>,
    /// What each part of the synthetic crate's expansion costs: the
    /// expansion written as source with parts left out, full check, CPU
    /// seconds; (what is kept, median CPU).
    pub parts: Vec<(&'static str, f64)>,
    /// The least any expansion with typed column accessors adds.
    pub floor: Option<Floor>,
}

/// Re-checks (incremental, after a touch) of the plain synthetic crate and
/// of the same structs with only their column accessors and the enums'
/// `PgEnum` impls written as source: what typed accessors cost with no
/// proc macro run and nothing else generated.
#[derive(Clone, Debug)]
pub struct Floor {
    pub runs: usize,
    /// Wall seconds, median: plain, structs with accessors.
    pub wall: [f64; 2],
    /// CPU seconds, median: plain, structs with accessors.
    pub cpu: [f64; 2],
}

/// The parts of an expansion, in the order they are added back.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    /// The user's items, `PgEnum` impls and everything else.
    Base,
    /// `impl T { pub const id: Column<T, …> … }`.
    Accessors,
    /// `impl Table for T` (`model()`, `ENUMS`, `__KEYS`).
    TableImpl,
    /// Inserts: `impl Insertable<T>` for `T` and `NewT`, `NewT`'s
    /// methods, `Default` guard and `From` conversion.
    Inserts,
    /// `const _: () = …` checks.
    Checks,
    /// The row-decoding macro call (`FromRow`, with the `postgres` feature).
    RowDecoding,
}

const PARTS: [(Part, &str); 6] = [
    (
        Part::Base,
        "structs (each table's and its `NewT`, with their derives) and enums with their `PgEnum` impls",
    ),
    (
        Part::Accessors,
        "+ column accessors (`impl T { pub const id: Column<T, i64> … }`)",
    ),
    (
        Part::TableImpl,
        "+ `impl Table` (`model()` decoding one JSON string, `ENUMS`, `__KEYS`)",
    ),
    (
        Part::Inserts,
        "+ inserts (`impl Insertable` for `T` and `NewT`, `NewT::with`, its `Default` guard and `From`)",
    ),
    (
        Part::Checks,
        "+ the const checks (`check_reference`, `is_key_of`, `has_label`)",
    ),
    (
        Part::RowDecoding,
        "+ row decoding (`impl_from_row!`: `impl FromRow`, one `decode_fields` call per 16 columns)",
    ),
];

fn part_of(item: &syn::Item) -> Part {
    let last = |path: &syn::Path| path.segments.last().map(|s| s.ident.to_string());
    match item {
        syn::Item::Impl(i) => match &i.trait_ {
            Some((_, path, _)) => match last(path).as_deref() {
                Some("Table") => Part::TableImpl,
                Some("Insertable" | "Default" | "From") => Part::Inserts,
                _ => Part::Base,
            },
            None if i
                .items
                .iter()
                .any(|it| matches!(it, syn::ImplItem::Const(_))) =>
            {
                Part::Accessors
            }
            // `impl NewT { fn with … }`, which needs `Insertable`.
            None if i.items.iter().any(|it| matches!(it, syn::ImplItem::Fn(_))) => Part::Inserts,
            None => Part::Base,
        },
        syn::Item::Const(c) if c.ident == "_" => Part::Checks,
        syn::Item::Macro(m) if last(&m.mac.path).as_deref() == Some("impl_from_row") => {
            Part::RowDecoding
        }
        _ => Part::Base,
    }
}

/// The expanded file keeping only the parts up to `upto`.
fn keep_parts(expanded: &str, upto: Part) -> Result<String, String> {
    let mut file = syn::parse_file(expanded).map_err(|e| e.to_string())?;
    file.items.retain(|item| part_of(item) <= upto);
    Ok(prettyplease::unparse(&file))
}

/// The expanded file keeping only the user's structs and enums, the
/// enums' `PgEnum` impls and the column accessors (no `New…` structs):
/// the least an expansion with typed accessors can be.
fn keep_accessors(expanded: &str, plain: &str) -> Result<String, String> {
    let user_structs: std::collections::HashSet<String> = syn::parse_file(plain)
        .map_err(|e| e.to_string())?
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut file = syn::parse_file(expanded).map_err(|e| e.to_string())?;
    file.items.retain(|item| match item {
        syn::Item::Struct(s) => user_structs.contains(&s.ident.to_string()),
        _ => part_of(item) <= Part::Accessors,
    });
    Ok(prettyplease::unparse(&file))
}

/// A crate's files: relative path → text.
type Files = Vec<(PathBuf, String)>;

fn is_ours(attr: &syn::Attribute) -> bool {
    ["table", "column", "pg_enum", "value"]
        .iter()
        .any(|name| syntax::is_attribute(attr, name))
}

/// The file without our attributes and without `use schema_macros::…`.
fn plain_file(text: &str) -> Result<String, String> {
    let mut file = syn::parse_file(text).map_err(|e| e.to_string())?;
    strip_items(&mut file.items);
    Ok(prettyplease::unparse(&file))
}

fn strip_items(items: &mut Vec<syn::Item>) {
    items.retain(|item| match item {
        syn::Item::Use(u) => !u.to_token_stream().to_string().contains("schema_macros"),
        _ => true,
    });
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                s.attrs.retain(|a| !is_ours(a));
                for field in s.fields.iter_mut() {
                    field.attrs.retain(|a| !is_ours(a));
                }
            }
            syn::Item::Enum(e) => {
                e.attrs.retain(|a| !is_ours(a));
                for variant in e.variants.iter_mut() {
                    variant.attrs.retain(|a| !is_ours(a));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    strip_items(items);
                }
            }
            _ => {}
        }
    }
}

fn lines(file: &syn::File) -> usize {
    prettyplease::unparse(file)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

fn lines_of(tokens: proc_macro2::TokenStream) -> Result<usize, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("expansion: {e}"))?;
    Ok(lines(&file))
}

/// Expands every item of a file carrying `#[table]` or `#[pg_enum]`;
/// returns the file with those items replaced by their expansion.
fn expand_file(text: &str, into: &mut Expansion) -> Result<String, String> {
    let file = syn::parse_file(text).map_err(|e| e.to_string())?;
    let mut expanded_file = syn::File {
        shebang: None,
        attrs: file.attrs.clone(),
        items: Vec::new(),
    };
    for item in &file.items {
        match item {
            syn::Item::Struct(s) => {
                let Some(attr) = s.attrs.iter().find(|a| syntax::is_attribute(a, "table")) else {
                    expanded_file.items.push(item.clone());
                    continue;
                };
                let mut bare = s.clone();
                bare.attrs.retain(|a| !syntax::is_attribute(a, "table"));
                let expanded =
                    crate::expand::table(syntax::attribute_args(attr), bare.to_token_stream());
                let mut plain = bare.clone();
                for field in plain.fields.iter_mut() {
                    field.attrs.retain(|a| !is_ours(a));
                }
                into.tables += 1;
                into.struct_lines += lines_of(plain.to_token_stream())?;
                into.expanded_lines += lines_of(expanded.clone())?;
                push_items(&mut expanded_file, expanded)?;
            }
            syn::Item::Enum(e) => {
                let Some(attr) = e.attrs.iter().find(|a| syntax::is_attribute(a, "pg_enum")) else {
                    expanded_file.items.push(item.clone());
                    continue;
                };
                let mut bare = e.clone();
                bare.attrs.retain(|a| !syntax::is_attribute(a, "pg_enum"));
                let expanded =
                    crate::expand::pg_enum(syntax::attribute_args(attr), bare.to_token_stream());
                into.enums += 1;
                into.enum_expanded_lines += lines_of(expanded.clone())?;
                push_items(&mut expanded_file, expanded)?;
            }
            syn::Item::Use(u) if u.to_token_stream().to_string().contains("schema_macros") => {}
            other => expanded_file.items.push(other.clone()),
        }
    }
    Ok(prettyplease::unparse(&expanded_file))
}

fn push_items(file: &mut syn::File, tokens: proc_macro2::TokenStream) -> Result<(), String> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| format!("expansion: {e}"))?;
    file.items.extend(parsed.items);
    Ok(())
}

fn example_files(repo: &Path) -> Result<Files, String> {
    let mut files = Vec::new();
    let mut lib = String::from("//! The five example schemas, for the compile-cost benchmark.\n#![allow(dead_code, unused_imports)]\n\n");
    for kit in EXAMPLES {
        let dir = repo.join("examples").join(kit).join("src/schema");
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let name = entry.file_name();
                files.push((Path::new(kit).join("schema").join(name), text));
            }
        }
        lib.push_str(&format!("pub mod {kit} {{\n    pub mod schema;\n}}\n"));
    }
    files.push((PathBuf::from("lib.rs"), lib));
    Ok(files)
}

fn synthetic_files() -> Files {
    let schema = schema_bench::synthetic::wide_schema(SYNTHETIC_TABLES);
    let mut text = String::from("#![allow(dead_code, unused_imports)]\n");
    text.push_str(&syntax::render_schema(&schema, ""));
    vec![(PathBuf::from("lib.rs"), text)]
}

fn write_crate(root: &Path, name: &str, repo: &Path, files: &Files) -> Result<(), String> {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let core = repo.join("schema-core");
    let macros = repo.join("schema-macros");
    // What a user following the README's Quick start has: schema-core
    // with `postgres` (row decoding, `ToSql` / `FromSql`) and the type
    // crates' features, and rust_decimal with its tokio-postgres support
    // (the synthetic schema has `numeric` columns). Every crate of the pair
    // has the same dependencies, built before anything is timed.
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
schema-core = {{ path = {core:?}, features = ["postgres", "chrono", "uuid", "serde_json"] }}
schema-macros = {{ path = {macros:?} }}
chrono = {{ version = "0.4", default-features = false, features = ["std", "clock", "serde"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}
serde = {{ version = "1", default-features = false, features = ["std", "derive"] }}
serde_json = {{ version = "1", default-features = false, features = ["std"] }}
rust_decimal = {{ version = "1", default-features = false, features = ["std", "db-tokio-postgres"] }}
"#
    );
    let write = |path: &Path, text: &str| -> Result<(), String> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(&dir.join("Cargo.toml"), &manifest)?;
    for (path, text) in files {
        write(&dir.join("src").join(path), text)?;
    }
    Ok(())
}

/// Wall and CPU seconds of `cargo check -p package`.
fn cargo_check(
    root: &Path,
    target: &Path,
    package: &str,
    incremental: bool,
) -> Result<(f64, f64), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // One target folder per mode: switching would rebuild the path
    // dependencies every time.
    let target = target.join(if incremental { "incremental" } else { "full" });
    let job = Job::new(which(&cargo), root)
        .arg("check")
        .arg("-q")
        .arg("-p")
        .arg(package)
        .env("CARGO_TARGET_DIR", &target.display().to_string())
        .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" });
    let log = root.join(format!("{package}-check"));
    match measure::run(&job, Duration::from_secs(3600), &log)? {
        Outcome::Done(sample, _) => Ok((sample.seconds, sample.cpu_seconds.unwrap_or(f64::NAN))),
        Outcome::TimedOut => Err(format!("cargo check -p {package} took over an hour")),
    }
}

/// A program's path: as given when it has a slash, else found on PATH.
fn which(program: &str) -> PathBuf {
    if program.contains('/') {
        return PathBuf::from(program);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| PathBuf::from(program))
}

/// Touches every source file of a crate (a new mtime), so cargo re-checks it.
fn touch(dir: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            touch(&path)?;
        } else {
            let text = std::fs::read(&path).map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Builds the crates under `work/compile`, with `target` as their target
/// directory, and measures them.
pub fn run(repo: &Path, work: &Path, target: &Path) -> Result<Report, String> {
    let root = work.join("compile");
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"examples_table\", \"examples_plain\", \"examples_expanded\", \"synthetic_table\", \"synthetic_plain\", \"synthetic_expanded\", \"synthetic_parts\", \"synthetic_floor\"]\n",
    )
    .map_err(|e| e.to_string())?;
    // The repository's lock file: the same dependency versions.
    let _ = std::fs::copy(repo.join("Cargo.lock"), root.join("Cargo.lock"));

    let mut expansions = Vec::new();
    let mut synthetic_expanded = None;
    for (name, files) in [
        ("examples", example_files(repo)?),
        ("synthetic", synthetic_files()),
    ] {
        let plain: Files = files
            .iter()
            .map(|(path, text)| Ok((path.clone(), plain_file(text)?)))
            .collect::<Result<_, String>>()?;
        write_crate(&root, &format!("{name}_table"), repo, &files)?;
        write_crate(&root, &format!("{name}_plain"), repo, &plain)?;
        let mut expansion = Expansion {
            name: name.to_owned(),
            tables: 0,
            struct_lines: 0,
            expanded_lines: 0,
            enums: 0,
            enum_expanded_lines: 0,
        };
        let mut expanded = Vec::new();
        for (path, text) in &files {
            expanded.push((path.clone(), expand_file(text, &mut expansion)?));
        }
        write_crate(&root, &format!("{name}_expanded"), repo, &expanded)?;
        if name == "synthetic" {
            write_crate(&root, "synthetic_parts", repo, &expanded)?;
            let floor: Files = expanded
                .iter()
                .zip(&plain)
                .map(|((path, text), (_, plain))| Ok((path.clone(), keep_accessors(text, plain)?)))
                .collect::<Result<_, String>>()?;
            write_crate(&root, "synthetic_floor", repo, &floor)?;
            synthetic_expanded = expanded.first().map(|(_, text)| text.clone());
        }
        expansions.push(expansion);
    }

    let mut checks = Vec::new();
    for expansion in &expansions {
        let name = &expansion.name;
        let with_macro = format!("{name}_table");
        let without = format!("{name}_plain");
        let pre_expanded = format!("{name}_expanded");
        eprintln!("compile cost: building the dependencies of {name}");
        for krate in [&with_macro, &without, &pre_expanded] {
            cargo_check(&root, target, krate, true)?;
            cargo_check(&root, target, krate, false)?;
        }
        let mut timed = [(); 5].map(|()| Vec::new());
        let mut cpu = [(); 5].map(|()| Vec::new());
        for _ in 0..RUNS {
            for (i, (krate, incremental)) in [
                (&without, true),
                (&with_macro, true),
                (&without, false),
                (&with_macro, false),
                (&pre_expanded, false),
            ]
            .into_iter()
            .enumerate()
            {
                touch(&root.join(krate).join("src"))?;
                let (wall, cpu_time) = cargo_check(&root, target, krate, incremental)?;
                timed[i].push(wall);
                cpu[i].push(cpu_time);
            }
        }
        let [plain, with, plain_full, with_full, expanded_full] =
            timed.map(|t| median(&t).unwrap_or(f64::NAN));
        let [plain_cpu, with_cpu, plain_full_cpu, with_full_cpu, expanded_full_cpu] =
            cpu.map(|t| median(&t).unwrap_or(f64::NAN));
        checks.push(CheckPair {
            name: name.clone(),
            tables: expansion.tables,
            enums: expansion.enums,
            runs: RUNS,
            with_macro: with,
            plain,
            with_macro_full: with_full,
            plain_full,
            expanded_full,
            cpu: [
                plain_cpu,
                with_cpu,
                plain_full_cpu,
                with_full_cpu,
                expanded_full_cpu,
            ],
        });
        eprintln!("compile cost: {name} done");
    }
    // The synthetic expansion, part by part (full check, CPU time).
    let mut parts = Vec::new();
    if let Some(expanded) = synthetic_expanded {
        eprintln!("compile cost: the expansion part by part");
        let lib = root.join("synthetic_parts/src/lib.rs");
        for (part, label) in PARTS {
            std::fs::write(&lib, keep_parts(&expanded, part)?).map_err(|e| e.to_string())?;
            cargo_check(&root, target, "synthetic_parts", false)?;
            let mut cpu = Vec::new();
            for _ in 0..RUNS {
                touch(&root.join("synthetic_parts/src"))?;
                cpu.push(cargo_check(&root, target, "synthetic_parts", false)?.1);
            }
            parts.push((label, median(&cpu).unwrap_or(f64::NAN)));
        }
    }
    eprintln!("compile cost: the floor (structs with accessors only)");
    let floor_crate = "synthetic_floor";
    let plain_crate = "synthetic_plain";
    for krate in [floor_crate, plain_crate] {
        cargo_check(&root, target, krate, true)?;
    }
    let (mut wall, mut cpu) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    for _ in 0..RUNS {
        for (i, krate) in [plain_crate, floor_crate].into_iter().enumerate() {
            touch(&root.join(krate).join("src"))?;
            let (w, c) = cargo_check(&root, target, krate, true)?;
            wall[i].push(w);
            cpu[i].push(c);
        }
    }
    let med = |v: &[f64]| median(v).unwrap_or(f64::NAN);
    let floor = Some(Floor {
        runs: RUNS,
        wall: [med(&wall[0]), med(&wall[1])],
        cpu: [med(&cpu[0]), med(&cpu[1])],
    });
    Ok(Report {
        checks,
        expansions,
        parts,
        floor,
    })
}
