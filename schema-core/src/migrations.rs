//! The migrations folder on disk (feature `migrations`): one folder per
//! migration, `<id>_<name>/` holding `up.sql`, an optional `down.sql` and
//! `snapshot.json`. [`read_dir`] turns a folder of them into [`Migration`]s
//! sorted by id; anything malformed is an error naming the folder and the
//! problem. Also here: the checksum (SHA-256 over `up.sql` with CRLF turned
//! into LF), the `-- schema-cli: no-transaction` marker, and
//! [`split_statements`], which cuts SQL text into statements the way psql
//! does (quotes, dollar quotes, comments, `BEGIN ATOMIC … END` bodies).
//!
//! Plain files in, plain values out: no database, no async.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::model::Schema;

/// The forward SQL of a migration.
pub const UP_FILE: &str = "up.sql";
/// The reverse SQL of a migration (optional).
pub const DOWN_FILE: &str = "down.sql";
/// The schema after the migration, naming its parent migration.
pub const SNAPSHOT_FILE: &str = "snapshot.json";
/// The comment that makes a migration run outside a transaction, statement
/// by statement. It must stand among the comment lines before the first
/// statement of `up.sql`. Defined where migrations are rendered.
pub use crate::sql::changes::NO_TRANSACTION_MARKER;

/// The most digits an id may have: every id fits PostgreSQL's `bigint`.
const MAX_ID_DIGITS: usize = 18;
const DIRECTIVE_PREFIX: &str = "schema-cli:";

/// One migration folder, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The id as written in the folder name, e.g. `20240501120000123`.
    pub id: String,
    /// The id as a number: migrations are ordered by it.
    pub version: i64,
    /// The name after the id, e.g. `create_users`.
    pub name: String,
    /// The migration's folder.
    pub dir: PathBuf,
    /// `up.sql`, line endings normalised to LF.
    pub up_sql: String,
    /// `down.sql`, line endings normalised to LF, when the folder has one.
    pub down_sql: Option<String>,
    /// SHA-256 of [`up_sql`](Self::up_sql), lowercase hex.
    pub checksum: String,
    /// Whether `up.sql` carries the [`NO_TRANSACTION_MARKER`].
    pub no_transaction: bool,
    /// The parent id named by `snapshot.json` (`None` for the first
    /// migration, and when read with [`read_dir_for_apply`]).
    pub parent: Option<String>,
}

impl Migration {
    /// `<id>_<name>`, the folder's name.
    pub fn folder_name(&self) -> String {
        format!("{}_{}", self.id, self.name)
    }

    /// The path of `up.sql`.
    pub fn up_path(&self) -> PathBuf {
        self.dir.join(UP_FILE)
    }

    /// The statements of `up.sql`.
    pub fn statements(&self) -> Vec<Statement<'_>> {
        split_statements(&self.up_sql)
    }

    /// Reads the whole `snapshot.json` (the reader only checks its header).
    pub fn snapshot(&self) -> Result<Snapshot, ReadError> {
        let path = self.dir.join(SNAPSHOT_FILE);
        let text = read_text(&path)?;
        Snapshot::from_json(&text).map_err(|error| ReadError::Malformed {
            path,
            reason: format!("invalid snapshot: {error}"),
        })
    }
}

/// `snapshot.json`: the schema after a migration and the migration before it.
/// Written by [`Snapshot::to_json`], so the same schema always gives the same
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The id of the migration this snapshot belongs to.
    pub id: String,
    /// The id of the previous migration, `null` for the first one.
    pub parent: Option<String>,
    /// The checksum of `up.sql` as `generate` wrote it, so `check` can tell
    /// a generated migration that was edited afterwards. Absent for custom
    /// migrations, whose SQL is written by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_checksum: Option<String>,
    /// The schema once this migration has run.
    pub schema: Schema,
}

impl Snapshot {
    /// Deterministic, pretty-printed JSON: `id`, `parent`, then the schema in
    /// canonical order, with a final newline.
    pub fn to_json(&self) -> String {
        let mut bytes = Vec::new();
        self.write_json(&mut bytes)
            .unwrap_or_else(|error| unreachable!("the model always serializes: {error}"));
        String::from_utf8(bytes)
            .unwrap_or_else(|error| unreachable!("serde_json writes UTF-8: {error}"))
    }

    /// Writes the bytes of [`Snapshot::to_json`] to `out` as they are made,
    /// without holding the whole text.
    pub fn write_json(&self, out: impl io::Write) -> io::Result<()> {
        let schema = self.schema.normalized();
        write_pretty(out, &self.as_written(self.up_checksum.as_deref(), &schema))
    }

    /// This snapshot's fields with `up_checksum` and `schema` (this one's, in
    /// canonical order).
    fn as_written<'a>(
        &'a self,
        up_checksum: Option<&'a str>,
        schema: &'a Schema,
    ) -> SnapshotJson<'a> {
        SnapshotJson {
            id: &self.id,
            parent: self.parent.as_deref(),
            up_checksum,
            schema,
        }
    }

    /// Reads a snapshot written by [`Snapshot::to_json`].
    pub fn from_json(text: &str) -> Result<Snapshot, serde_json::Error> {
        let mut snapshot: Snapshot = serde_json::from_str(text)?;
        snapshot.schema.normalize();
        Ok(snapshot)
    }
}

/// [`Snapshot`] as written: the same fields, borrowed.
#[derive(Serialize)]
struct SnapshotJson<'a> {
    id: &'a str,
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    up_checksum: Option<&'a str>,
    schema: &'a Schema,
}

/// `value` in [`Pretty`] layout, with a final newline.
fn write_pretty(mut out: impl io::Write, value: &SnapshotJson<'_>) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
    value.serialize(&mut serializer)?;
    out.write_all(b"\n")
}

/// What `up_checksum` holds in a [`PendingSnapshot`] until it is finished: as
/// long as a checksum, so the checksum takes its place byte for byte.
const PENDING_CHECKSUM: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A `snapshot.json` written before the checksum of `up.sql` was known
/// ([`StagedMigration::write_snapshot_pending`]); [`PendingSnapshot::finish`]
/// writes the checksum in its place.
#[derive(Debug)]
pub struct PendingSnapshot {
    file: std::fs::File,
    /// Where the checksum's 64 hex digits go.
    checksum_at: u64,
}

impl PendingSnapshot {
    /// Writes `checksum` ([`checksum`] of `up.sql`) into the snapshot.
    pub fn finish(mut self, checksum: &str) -> io::Result<()> {
        use io::{Seek as _, Write as _};
        if checksum.len() != PENDING_CHECKSUM.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{checksum}` is not a checksum of up.sql"),
            ));
        }
        self.file.seek(io::SeekFrom::Start(self.checksum_at))?;
        self.file.write_all(checksum.as_bytes())
    }
}

/// serde_json's pretty layout (`to_string_pretty`: two-space indents,
/// `": "` after keys), byte for byte, with each line break and its
/// indentation written at once instead of two bytes at a time.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A comma when asked, a line break and the indentation of `depth`.
    fn new_line<W: ?Sized + io::Write>(&self, out: &mut W, comma: bool) -> io::Result<()> {
        const BREAK: &[u8] = b",\n                                                                ";
        let start = usize::from(!comma);
        let end = 2 + 2 * self.depth;
        if end <= BREAK.len() {
            return out.write_all(&BREAK[start..end]);
        }
        out.write_all(&BREAK[start..2])?;
        for _ in 0..self.depth {
            out.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(out, false)?;
        }
        out.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.new_line(out, !first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(out, false)?;
        }
        out.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.new_line(out, !first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The header of `snapshot.json`, read without building the schema.
#[derive(Deserialize)]
struct SnapshotHeader {
    id: String,
    parent: Option<String>,
    #[expect(dead_code, reason = "checked to be present, built only on demand")]
    schema: serde::de::IgnoredAny,
}

/// Why a migrations folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The migrations folder itself is missing.
    #[error("the migrations folder `{}` does not exist", path.display())]
    NoFolder {
        /// The folder looked for.
        path: PathBuf,
    },
    /// A file or folder could not be read.
    #[error("cannot read `{}`", path.display())]
    Io {
        /// What was being read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A migration folder or one of its files is not in the expected form.
    #[error("`{}`: {reason}", path.display())]
    Malformed {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong, and what is expected.
        reason: String,
    },
    /// Two folders carry the same id.
    #[error(
        "`{}` and `{}` have the same id {version}: every migration needs its own id",
        first.display(),
        second.display()
    )]
    DuplicateId {
        /// The first folder.
        first: PathBuf,
        /// The second folder.
        second: PathBuf,
        /// The id both carry.
        version: i64,
    },
}

/// How much of `snapshot.json` the reader checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SnapshotCheck {
    /// Parse it: valid JSON, `id` equal to the folder's, `parent` read.
    Parse,
    /// Only require the file (snapshots hold whole schemas; applying
    /// migrations does not need them).
    Exists,
}

/// Writes the migration folder `out/<folder>` with its three files
/// (`snapshot_json` from [`Snapshot::to_json`]), through a
/// [`StagedMigration`].
pub fn write_migration(
    out: &Path,
    folder: &str,
    up_sql: &str,
    down_sql: &str,
    snapshot_json: &str,
) -> io::Result<PathBuf> {
    let staged = StagedMigration::create(out, folder)?;
    staged.write(UP_FILE, up_sql)?;
    staged.write(DOWN_FILE, down_sql)?;
    staged.write(SNAPSHOT_FILE, snapshot_json)?;
    staged.commit()
}

/// A migration folder being written. Its files go into a hidden folder
/// next to it that [`StagedMigration::commit`] renames into place, so an
/// interrupted run never leaves a half-written migration that looks whole;
/// dropped without a commit (an error), the hidden folder is removed.
#[derive(Debug)]
pub struct StagedMigration {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedMigration {
    /// Starts writing `out/<folder>`, creating `out` when needed.
    pub fn create(out: &Path, folder: &str) -> io::Result<Self> {
        std::fs::create_dir_all(out)?;
        let staged = Self {
            staging: out.join(format!(".{folder}.tmp")),
            target: out.join(folder),
            committed: false,
        };
        let _ = std::fs::remove_dir_all(&staged.staging);
        std::fs::create_dir(&staged.staging)?;
        Ok(staged)
    }

    /// Writes the file `name` of the migration.
    pub fn write(&self, name: &str, contents: &str) -> io::Result<()> {
        std::fs::write(self.staging.join(name), contents)
    }

    /// Writes `snapshot.json` as it is serialized ([`Snapshot::write_json`]).
    pub fn write_snapshot(&self, snapshot: &Snapshot) -> io::Result<()> {
        let file = std::fs::File::create(self.staging.join(SNAPSHOT_FILE))?;
        let mut out = io::BufWriter::with_capacity(64 * 1024, file);
        snapshot.write_json(&mut out)?;
        io::Write::flush(&mut out)
    }

    /// [`Self::write_snapshot`] before the checksum of `up.sql` is known:
    /// the schema, nearly all of the file, can be written while `up.sql` is
    /// still being made. `snapshot.up_checksum` is not read; the file is
    /// whole once [`PendingSnapshot::finish`] has written the checksum.
    pub fn write_snapshot_pending(&self, snapshot: &Snapshot) -> io::Result<PendingSnapshot> {
        // Everything before the schema does not depend on it: the checksum's
        // place is found in the snapshot written with an empty schema.
        let mut head = Vec::new();
        write_pretty(
            &mut head,
            &snapshot.as_written(Some(PENDING_CHECKSUM), &Schema::default()),
        )?;
        let key = b"\"up_checksum\": \"";
        let checksum_at = head
            .windows(key.len())
            .position(|window| window == key)
            .map(|at| at + key.len())
            .ok_or_else(|| io::Error::other("no `up_checksum` in the snapshot"))?;

        let file = std::fs::File::create(self.staging.join(SNAPSHOT_FILE))?;
        let mut out = io::BufWriter::with_capacity(64 * 1024, file);
        let schema = snapshot.schema.normalized();
        write_pretty(
            &mut out,
            &snapshot.as_written(Some(PENDING_CHECKSUM), &schema),
        )?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        Ok(PendingSnapshot {
            file,
            checksum_at: checksum_at as u64,
        })
    }

    /// [`Self::commit`] as `out/<folder>`, a name other than the one it was
    /// created with (a migration's name can depend on what is written).
    pub fn commit_as(mut self, folder: &str) -> io::Result<PathBuf> {
        self.target.set_file_name(folder);
        self.commit()
    }

    /// Moves the written folder into place; returns its path.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        std::fs::rename(&self.staging, &self.target)?;
        self.committed = true;
        Ok(std::mem::take(&mut self.target))
    }
}

impl Drop for StagedMigration {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Reads every migration folder of `dir`, sorted by id, checking each
/// `snapshot.json` (valid, naming the folder's id) and reading its parent.
/// Entries whose name starts with `.` and plain files are ignored; every
/// other folder must be a well-formed migration.
pub fn read_dir(dir: &Path) -> Result<Vec<Migration>, ReadError> {
    read_dir_checked(dir, SnapshotCheck::Parse)
}

/// Reads what applying migrations needs: like [`read_dir`], but
/// `snapshot.json` must only exist, its contents are not read (so
/// [`Migration::parent`] is `None`). Snapshots hold whole schemas, so over
/// hundreds of migrations parsing them would dominate a no-op `migrate`.
pub fn read_dir_for_apply(dir: &Path) -> Result<Vec<Migration>, ReadError> {
    read_dir_checked(dir, SnapshotCheck::Exists)
}

fn read_dir_checked(dir: &Path, check: SnapshotCheck) -> Result<Vec<Migration>, ReadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(ReadError::NoFolder {
                path: dir.to_path_buf(),
            })
        }
        Err(source) => {
            return Err(ReadError::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut migrations = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ReadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let file_name = entry.file_name();
        if file_name.to_string_lossy().starts_with('.') || !path.is_dir() {
            continue;
        }
        migrations.push(read_migration_checked(&path, check)?);
    }
    migrations.sort_by_key(|m| m.version);
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(ReadError::DuplicateId {
                first: pair[0].dir.clone(),
                second: pair[1].dir.clone(),
                version: pair[0].version,
            });
        }
    }
    Ok(migrations)
}

/// Reads one migration folder, its snapshot header included.
pub fn read_migration(dir: &Path) -> Result<Migration, ReadError> {
    read_migration_checked(dir, SnapshotCheck::Parse)
}

fn read_migration_checked(dir: &Path, check: SnapshotCheck) -> Result<Migration, ReadError> {
    let malformed = |path: &Path, reason: String| ReadError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (id, version, name) = parse_folder_name(&folder).map_err(|r| malformed(dir, r))?;

    let up_path = dir.join(UP_FILE);
    if !up_path.is_file() {
        return Err(malformed(
            dir,
            format!("no `{UP_FILE}`: every migration folder needs one"),
        ));
    }
    let up_sql = normalize_line_endings(&read_text(&up_path)?).into_owned();
    let no_transaction = read_marker(&up_sql).map_err(|r| malformed(&up_path, r))?;

    let down_path = dir.join(DOWN_FILE);
    let down_sql = if down_path.is_file() {
        Some(normalize_line_endings(&read_text(&down_path)?).into_owned())
    } else {
        None
    };

    let snapshot_path = dir.join(SNAPSHOT_FILE);
    if !snapshot_path.is_file() {
        return Err(malformed(
            dir,
            format!("no `{SNAPSHOT_FILE}`: every migration folder needs one"),
        ));
    }
    let parent = match check {
        SnapshotCheck::Exists => None,
        SnapshotCheck::Parse => {
            let header: SnapshotHeader = serde_json::from_str(&read_text(&snapshot_path)?)
                .map_err(|error| malformed(&snapshot_path, format!("invalid snapshot: {error}")))?;
            if header.id != id {
                return Err(malformed(
                    &snapshot_path,
                    format!(
                        "the snapshot's id is `{}` but the folder's id is `{id}`",
                        header.id
                    ),
                ));
            }
            header.parent
        }
    };

    Ok(Migration {
        checksum: checksum(&up_sql),
        id: id.to_owned(),
        version,
        name: name.to_owned(),
        dir: dir.to_path_buf(),
        up_sql,
        down_sql,
        no_transaction,
        parent,
    })
}

fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|error| ReadError::Malformed {
        path: path.to_path_buf(),
        reason: format!(
            "not UTF-8 text (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        ),
    })
}

/// Splits `<id>_<name>` into the id as written, its value and the name.
///
/// Rule: the id is 1 to 18 ASCII digits (the generator writes a 17-digit UTC
/// timestamp, `YYYYMMDDHHMMSSmmm`); the name is ASCII letters, digits, `_`
/// and `-`, and not empty.
pub fn parse_folder_name(folder: &str) -> Result<(&str, i64, &str), String> {
    let expected = "expected `<id>_<name>`, e.g. `20240501120000000_create_users`";
    let Some((id, name)) = folder.split_once('_') else {
        return Err(format!(
            "the folder name `{folder}` is not a migration name: {expected}"
        ));
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the folder name `{folder}` does not start with a numeric id: {expected}"
        ));
    }
    if id.len() > MAX_ID_DIGITS {
        return Err(format!(
            "the id `{id}` has more than {MAX_ID_DIGITS} digits: {expected}"
        ));
    }
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "the name `{name}` of folder `{folder}` may only hold ASCII letters, digits, `_` and `-`: {expected}"
        ));
    }
    let version = id
        .parse::<i64>()
        .map_err(|error| format!("the id `{id}`: {error}"))?;
    Ok((id, version, name))
}

/// A new migration id: the current UTC time as `YYYYMMDDHHMMSSmmm`, or
/// `previous + 1` when the clock has not moved past `previous`, so ids are
/// strictly increasing.
pub fn new_id(previous: Option<&str>) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let candidate = timestamp_id(now);
    match previous.and_then(|p| p.parse::<i64>().ok()) {
        Some(previous) if candidate <= previous => format!("{:017}", previous + 1),
        _ => format!("{candidate:017}"),
    }
}

/// `YYYYMMDDHHMMSSmmm` of a time since the Unix epoch, in UTC.
fn timestamp_id(since_epoch: Duration) -> i64 {
    let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let millis = i64::from(since_epoch.subsec_millis());
    ((((year * 100 + month) * 100 + day) * 100 + hour) * 100 + minute) * 100_000
        + second * 1000
        + millis
}

/// Turns CRLF line endings into LF (the checksum and the SQL that runs are
/// the same on every platform and git setting).
pub fn normalize_line_endings(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// SHA-256 over `sql` with CRLF normalised to LF, as 64 lowercase hex digits.
pub fn checksum(sql: &str) -> String {
    hex(&Sha256::digest(normalize_line_endings(sql).as_bytes()))
}

/// SHA-256 over the given statements, each followed by a NUL byte: the
/// fingerprint of the part of a no-transaction migration already applied.
pub fn statements_checksum<'a>(statements: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for statement in statements {
        hasher.update(statement.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Reads the `-- schema-cli: …` directives among the comment lines that open
/// `up.sql`; returns whether the no-transaction marker is there.
///
/// Rule: a directive after the first statement line, or an unknown
/// directive, is an error rather than ignored, so a misplaced marker never
/// silently runs a migration inside a transaction.
fn read_marker(sql: &str) -> Result<bool, String> {
    let mut no_transaction = false;
    let mut in_header = true;
    for (index, line) in sql.lines().enumerate() {
        let trimmed = line.trim();
        let directive = trimmed
            .strip_prefix("--")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix(DIRECTIVE_PREFIX))
            .map(str::trim);
        if in_header && !trimmed.is_empty() && !trimmed.starts_with("--") {
            in_header = false;
        }
        let Some(directive) = directive else {
            continue;
        };
        let line_no = index + 1;
        if !in_header {
            return Err(format!(
                "line {line_no}: `{trimmed}` must come before the first statement (put `{NO_TRANSACTION_MARKER}` at the top of the file)"
            ));
        }
        match directive {
            "no-transaction" => no_transaction = true,
            other => {
                return Err(format!(
                    "line {line_no}: unknown directive `{other}` (the one directive is `{NO_TRANSACTION_MARKER}`)"
                ))
            }
        }
    }
    Ok(no_transaction)
}

/// One statement of an SQL script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement's text: from its first token to before its `;`,
    /// trailing whitespace removed.
    pub sql: &'a str,
    /// Byte offset of the statement in the script.
    pub offset: usize,
    /// 1-based line of the statement's first character.
    pub line: usize,
    /// 1-based column (in characters) of the statement's first character.
    pub column: usize,
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Splits an SQL script into statements at top-level semicolons, as psql
/// does: semicolons inside `'…'`, `E'…'`, `"…"`, `$tag$…$tag$`, `-- …`,
/// nested `/* … */`, parentheses, or the `BEGIN … END` body of a
/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` do not end a statement. Empty
/// statements (only whitespace and comments) are dropped.
pub fn split_statements(sql: &str) -> Vec<Statement<'_>> {
    Splitter::new(sql).run()
}

struct Splitter<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    pos: usize,
    statements: Vec<Statement<'a>>,
    start: Option<usize>,
    paren_depth: usize,
    begin_depth: usize,
    /// The first identifiers of the statement, lowercased, as far as they
    /// decide whether it is `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    head: [u8; 4],
    identifier_count: usize,
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_char(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

impl<'a> Splitter<'a> {
    fn new(sql: &'a str) -> Self {
        Splitter {
            sql,
            bytes: sql.as_bytes(),
            pos: 0,
            statements: Vec::new(),
            start: None,
            paren_depth: 0,
            begin_depth: 0,
            head: [0; 4],
            identifier_count: 0,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn mark_start(&mut self) {
        if self.start.is_none() {
            self.start = Some(self.pos);
        }
    }

    fn run(mut self) -> Vec<Statement<'a>> {
        while let Some(byte) = self.peek(0) {
            match byte {
                b'-' if self.peek(1) == Some(b'-') => self.skip_line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.skip_block_comment(),
                b'\'' => {
                    self.mark_start();
                    self.skip_quoted(b'\'', false);
                }
                b'"' => {
                    self.mark_start();
                    self.skip_quoted(b'"', false);
                }
                b'$' => {
                    self.mark_start();
                    self.skip_dollar();
                }
                b'(' => {
                    self.mark_start();
                    self.paren_depth += 1;
                    self.pos += 1;
                }
                b')' => {
                    self.mark_start();
                    self.paren_depth = self.paren_depth.saturating_sub(1);
                    self.pos += 1;
                }
                b';' => {
                    if self.paren_depth == 0 && self.begin_depth == 0 {
                        self.finish(self.pos);
                    }
                    self.pos += 1;
                }
                byte if byte.is_ascii_whitespace() => self.pos += 1,
                byte if is_ident_start(byte) => {
                    self.mark_start();
                    self.word();
                }
                _ => {
                    self.mark_start();
                    self.pos += 1;
                }
            }
        }
        self.finish(self.bytes.len());
        self.statements
    }

    fn finish(&mut self, end: usize) {
        if let Some(start) = self.start.take() {
            let text = self.sql[start..end].trim_end();
            if !text.is_empty() {
                let (line, column) = line_column(self.sql, start);
                self.statements.push(Statement {
                    sql: text,
                    offset: start,
                    line,
                    column,
                });
            }
        }
        self.paren_depth = 0;
        self.begin_depth = 0;
        self.head = [0; 4];
        self.identifier_count = 0;
    }

    fn skip_line_comment(&mut self) {
        while let Some(byte) = self.peek(0) {
            self.pos += 1;
            if byte == b'\n' {
                break;
            }
        }
    }

    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.peek(0) == Some(b'/') && self.peek(1) == Some(b'*') {
                depth += 1;
                self.pos += 2;
            } else if self.peek(0) == Some(b'*') && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
    }

    /// Skips a `quote`-delimited token starting at the current position; a
    /// doubled quote stands for itself, and with `backslash` (E'…') so does
    /// any character after a backslash.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        self.pos += 1;
        while let Some(byte) = self.peek(0) {
            if backslash && byte == b'\\' {
                self.pos += 2;
            } else if byte == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    /// `$tag$ … $tag$` (or `$$ … $$`); a `$` that opens no dollar quote
    /// (`$1`) is an ordinary character.
    fn skip_dollar(&mut self) {
        let mut end = self.pos + 1;
        if self
            .bytes
            .get(end)
            .is_some_and(|&b| is_ident_start(b) && b != b'$')
        {
            while self
                .bytes
                .get(end)
                .is_some_and(|&b| is_ident_char(b) && b != b'$')
            {
                end += 1;
            }
        }
        if self.bytes.get(end) != Some(&b'$') {
            self.pos += 1;
            return;
        }
        let tag = &self.sql[self.pos..=end];
        let body = end + 1;
        match self.sql[body..].find(tag) {
            Some(at) => self.pos = body + at + tag.len(),
            None => self.pos = self.bytes.len(),
        }
    }

    /// An identifier or keyword: tracks `CREATE [OR REPLACE]
    /// FUNCTION|PROCEDURE … BEGIN … END` and `E'…'` strings.
    fn word(&mut self) {
        let start = self.pos;
        while self.peek(0).is_some_and(is_ident_char) {
            self.pos += 1;
        }
        let word = &self.sql[start..self.pos];
        if word.eq_ignore_ascii_case("e") && self.peek(0) == Some(b'\'') {
            self.skip_quoted(b'\'', true);
            return;
        }
        let lower = word.to_ascii_lowercase();
        if self.identifier_count < self.head.len()
            && matches!(
                lower.as_str(),
                "create" | "or" | "replace" | "function" | "procedure"
            )
        {
            self.head[self.identifier_count] = lower.as_bytes()[0];
        }
        self.identifier_count += 1;
        let head = self.head;
        let is_routine = head[0] == b'c'
            && (matches!(head[1], b'f' | b'p')
                || (head[1] == b'o' && head[2] == b'r' && matches!(head[3], b'f' | b'p')));
        if is_routine && self.paren_depth == 0 {
            match lower.as_str() {
                "begin" => self.begin_depth += 1,
                "case" if self.begin_depth >= 1 => self.begin_depth += 1,
                "end" => self.begin_depth = self.begin_depth.saturating_sub(1),
                _ => {}
            }
        }
    }
}

/// A migration whose `snapshot.json` names another parent than the
/// migration before it: two branches each added a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentMismatch {
    /// The migration's folder name.
    pub migration: String,
    /// The id of the migration before it on disk (`None` for the first).
    pub expected: Option<String>,
    /// The parent its snapshot names.
    pub found: Option<String>,
}

/// Checks that each snapshot names the migration before it as its parent.
pub fn parent_mismatches(migrations: &[Migration]) -> Vec<ParentMismatch> {
    let mut previous: Option<&str> = None;
    let mut mismatches = Vec::new();
    for migration in migrations {
        if migration.parent.as_deref() != previous {
            mismatches.push(ParentMismatch {
                migration: migration.folder_name(),
                expected: previous.map(str::to_owned),
                found: migration.parent.clone(),
            });
        }
        previous = Some(&migration.id);
    }
    mismatches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split_statements(sql).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn statements_split_at_top_level_semicolons() {
        assert_eq!(
            texts("CREATE TABLE a (x int);\n\nINSERT INTO a VALUES (1) ;\nSELECT 1"),
            [
                "CREATE TABLE a (x int)",
                "INSERT INTO a VALUES (1)",
                "SELECT 1"
            ]
        );
        assert_eq!(
            texts(" ;; \n-- only a comment;\n/* and ; another */ "),
            [""; 0]
        );
    }

    #[test]
    fn quotes_and_comments_hide_semicolons() {
        let sql = "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y', \"odd;name\");\n\
                   -- a comment; with a semicolon\n\
                   SELECT /* block ; /* nested ; */ still ; */ 1;\n\
                   SELECT U&'d\\0061t;a', $1, a$b FROM t";
        assert_eq!(
            texts(sql),
            [
                "INSERT INTO t VALUES ('a;b', 'it''s;', E'x\\';y', \"odd;name\")",
                "SELECT /* block ; /* nested ; */ still ; */ 1",
                "SELECT U&'d\\0061t;a', $1, a$b FROM t",
            ]
        );
    }

    #[test]
    fn dollar_quotes_hide_semicolons() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                   DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$;\n\
                   SELECT $1::int;";
        assert_eq!(
            texts(sql),
            [
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$",
                "SELECT $1::int",
            ]
        );
    }

    #[test]
    fn sql_standard_function_bodies_are_one_statement() {
        let sql = "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\n\
                   BEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;\n\
                   CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\n\
                   BEGIN;";
        assert_eq!(
            texts(sql),
            [
                "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND",
                "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END",
                "BEGIN",
            ]
        );
    }

    #[test]
    fn unterminated_tokens_run_to_the_end() {
        assert_eq!(texts("SELECT 'abc;"), ["SELECT 'abc;"]);
        assert_eq!(texts("SELECT $$abc;"), ["SELECT $$abc;"]);
        assert_eq!(texts("SELECT 1 /* x;"), ["SELECT 1 /* x;"]);
    }

    #[test]
    fn statements_know_their_line_and_column() {
        let sql = "-- header\nCREATE TABLE a (x int);\n  SELECT 'é'; SELECT 2;";
        let statements = split_statements(sql);
        let places: Vec<_> = statements.iter().map(|s| (s.line, s.column)).collect();
        assert_eq!(places, [(2, 1), (3, 3), (3, 15)]);
        assert_eq!(&sql[statements[2].offset..], "SELECT 2;");
        assert_eq!(line_column("ab\ncdé\nf", 7), (2, 4));
        assert_eq!(line_column("ab\ncdé\nf", 8), (3, 1));
    }

    #[test]
    fn checksums_ignore_line_endings_only() {
        let lf = checksum("CREATE TABLE a (x int);\nSELECT 1;\n");
        assert_eq!(lf, checksum("CREATE TABLE a (x int);\r\nSELECT 1;\r\n"));
        assert_ne!(lf, checksum("CREATE TABLE a (x int);\nSELECT 1; \n"));
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(lf.len(), 64);
        assert_ne!(
            statements_checksum(["ab", "c"]),
            statements_checksum(["a", "bc"])
        );
    }

    #[test]
    fn the_marker_must_open_the_file() {
        assert_eq!(read_marker("CREATE TABLE a ();"), Ok(false));
        assert_eq!(
            read_marker("-- adds an index\n\n--schema-cli:  no-transaction \nCREATE INDEX CONCURRENTLY i ON a (x);"),
            Ok(true)
        );
        let late = read_marker("CREATE TABLE a ();\n-- schema-cli: no-transaction\n")
            .expect_err("late marker");
        assert!(
            late.contains("line 2") && late.contains("before the first statement"),
            "{late}"
        );
        let unknown = read_marker("-- schema-cli: no-transactions\n").expect_err("typo");
        assert!(unknown.contains("no-transactions"), "{unknown}");
    }

    #[test]
    fn ids_are_utc_timestamps_and_strictly_increasing() {
        assert_eq!(timestamp_id(Duration::from_millis(0)), 19700101000000000);
        // 2024-02-29 23:59:58.123 UTC
        assert_eq!(
            timestamp_id(Duration::from_millis(1_709_251_198_123)),
            20240229235958123
        );
        let now = new_id(None);
        assert_eq!(now.len(), 17);
        assert_eq!(new_id(Some("99990101000000000")), "99990101000000001");
        assert!(new_id(Some("0001")).as_str() > "2024");
    }

    #[test]
    fn folder_names_are_id_underscore_name() {
        assert_eq!(
            parse_folder_name("20240501120000123_create_users"),
            Ok(("20240501120000123", 20240501120000123, "create_users"))
        );
        assert_eq!(
            parse_folder_name("0002_add-posts"),
            Ok(("0002", 2, "add-posts"))
        );
        for bad in [
            "create_users",
            "20240501",
            "2024_",
            "2024_a b",
            "1234567890123456789_x",
            "_x",
        ] {
            assert!(parse_folder_name(bad).is_err(), "{bad}");
        }
    }

    /// A scratch folder under the system temp dir, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "schema-core-migrations-{}-{name}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create scratch dir");
            Scratch(dir)
        }

        fn migration(&self, folder: &str, up: &str, parent: Option<&str>) -> &Scratch {
            let dir = self.0.join(folder);
            std::fs::create_dir_all(&dir).expect("create migration dir");
            std::fs::write(dir.join(UP_FILE), up).expect("write up.sql");
            let id = folder.split('_').next().unwrap_or_default();
            let snapshot = Snapshot {
                up_checksum: None,
                id: id.to_owned(),
                parent: parent.map(str::to_owned),
                schema: Schema::default(),
            };
            std::fs::write(dir.join(SNAPSHOT_FILE), snapshot.to_json()).expect("write snapshot");
            self
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_folder_of_migrations_is_read_in_id_order() {
        let scratch = Scratch::new("ordered");
        scratch
            .migration("10_third", "SELECT 3;\r\n", Some("2"))
            .migration(
                "2_second",
                "-- schema-cli: no-transaction\nSELECT 2;",
                Some("1"),
            )
            .migration("1_first", "SELECT 1;", None);
        std::fs::write(scratch.0.join("README.md"), "notes").expect("write");
        std::fs::create_dir_all(scratch.0.join(".hidden")).expect("mkdir");
        std::fs::write(scratch.0.join("1_first").join(DOWN_FILE), "SELECT -1;\r\n").expect("down");
        let migrations = read_dir(&scratch.0).expect("valid folder");
        let names: Vec<_> = migrations.iter().map(Migration::folder_name).collect();
        assert_eq!(names, ["1_first", "2_second", "10_third"]);
        let for_apply = read_dir_for_apply(&scratch.0).expect("valid folder");
        assert_eq!(for_apply[1].parent, None);
        assert_eq!(for_apply[1].checksum, migrations[1].checksum);
        assert_eq!(migrations[0].down_sql.as_deref(), Some("SELECT -1;\n"));
        assert_eq!(migrations[1].down_sql, None);
        assert!(migrations[1].no_transaction && !migrations[0].no_transaction);
        assert_eq!(migrations[2].up_sql, "SELECT 3;\n");
        assert_eq!(migrations[2].checksum, checksum("SELECT 3;\n"));
        assert!(parent_mismatches(&migrations).is_empty());
        let snapshot = migrations[0].snapshot().expect("snapshot");
        assert_eq!((snapshot.id.as_str(), snapshot.parent), ("1", None));
    }

    #[test]
    fn two_branches_are_parent_mismatches() {
        let scratch = Scratch::new("branches");
        scratch
            .migration("1_first", "SELECT 1;", None)
            .migration("2_mine", "SELECT 2;", Some("1"))
            .migration("3_theirs", "SELECT 3;", Some("1"));
        let migrations = read_dir(&scratch.0).expect("valid folder");
        assert_eq!(
            parent_mismatches(&migrations),
            [ParentMismatch {
                migration: "3_theirs".into(),
                expected: Some("2".into()),
                found: Some("1".into()),
            }]
        );
    }

    /// A folder name, how to fill the folder, and the expected complaint.
    type MalformedCase = (&'static str, fn(&Path), &'static str);

    #[test]
    fn malformed_folders_are_named_with_the_problem() {
        let cases: [MalformedCase; 6] = [
            (
                "1_no_up",
                |d| std::fs::write(d.join(SNAPSHOT_FILE), "{}").expect("w"),
                "no `up.sql`",
            ),
            (
                "notanid_x",
                |d| std::fs::write(d.join(UP_FILE), "").expect("w"),
                "does not start with a numeric id",
            ),
            (
                "1_no_snapshot",
                |d| std::fs::write(d.join(UP_FILE), "").expect("w"),
                "no `snapshot.json`",
            ),
            (
                "1_bad_snapshot",
                |d| {
                    std::fs::write(d.join(UP_FILE), "").expect("w");
                    std::fs::write(d.join(SNAPSHOT_FILE), "{\"id\": \"1\", \"parent\": nul")
                        .expect("w");
                },
                "invalid snapshot",
            ),
            (
                "1_other_id",
                |d| {
                    std::fs::write(d.join(UP_FILE), "").expect("w");
                    std::fs::write(
                        d.join(SNAPSHOT_FILE),
                        "{\"id\": \"2\", \"parent\": null, \"schema\": {}}",
                    )
                    .expect("w");
                },
                "the snapshot's id is `2` but the folder's id is `1`",
            ),
            (
                "1_not_utf8",
                |d| std::fs::write(d.join(UP_FILE), [b'a', 0xff]).expect("w"),
                "not UTF-8",
            ),
        ];
        for (folder, setup, expected) in cases {
            let scratch = Scratch::new(folder);
            let dir = scratch.0.join(folder);
            std::fs::create_dir_all(&dir).expect("mkdir");
            setup(&dir);
            let error = read_dir(&scratch.0).expect_err(folder).to_string();
            assert!(error.contains(folder), "{folder}: {error}");
            assert!(error.contains(expected), "{folder}: {error}");
        }
    }

    #[test]
    fn duplicate_ids_and_missing_folders_are_errors() {
        let scratch = Scratch::new("dupes");
        scratch
            .migration("1_a", "SELECT 1;", None)
            .migration("001_b", "SELECT 1;", Some("1"));
        let error = read_dir(&scratch.0).expect_err("duplicate").to_string();
        assert!(error.contains("001_b") && error.contains("1_a"), "{error}");
        let error = read_dir(&scratch.0.join("nowhere")).expect_err("missing");
        assert!(matches!(error, ReadError::NoFolder { .. }), "{error}");
    }

    #[test]
    fn snapshots_are_deterministic_and_round_trip() {
        let snapshot = Snapshot {
            up_checksum: None,
            id: "20240501120000000".into(),
            parent: None,
            schema: Schema {
                namespaces: vec!["b".into(), "a".into()],
                ..Schema::default()
            },
        };
        let json = snapshot.to_json();
        assert_eq!(
            json,
            "{\n  \"id\": \"20240501120000000\",\n  \"parent\": null,\n  \"schema\": {\n    \"namespaces\": [\n      \"a\",\n      \"b\"\n    ]\n  }\n}\n"
        );
        let back = Snapshot::from_json(&json).expect("round trip");
        assert_eq!(back.to_json(), json);
    }

    #[test]
    fn a_pending_snapshot_ends_as_the_snapshot_written_at_once() {
        let scratch = Scratch::new("pending");
        let mut snapshot = Snapshot {
            up_checksum: None,
            id: "20240501120000000".into(),
            parent: Some("20240401120000000".into()),
            schema: Schema {
                namespaces: vec!["b".into(), "a".into()],
                ..Schema::default()
            },
        };
        let staged = StagedMigration::create(&scratch.0, "20240501120000000_x").expect("stage");
        let pending = staged.write_snapshot_pending(&snapshot).expect("write");
        let up_checksum = checksum("SELECT 1;");
        pending.finish(&up_checksum).expect("finish");
        let dir = staged.commit().expect("commit");
        snapshot.up_checksum = Some(up_checksum);
        assert_eq!(
            std::fs::read_to_string(dir.join(SNAPSHOT_FILE)).expect("read"),
            snapshot.to_json()
        );
    }

    #[test]
    fn the_snapshot_layout_is_serde_jsons_pretty_one() {
        // Nested deeper than the formatter's ready-made indentation.
        let mut deep = serde_json::json!([]);
        for depth in 0..40 {
            deep = serde_json::json!({ "depth": depth, "empty": [], "inner": [deep, {}] });
        }
        let mut written = Vec::new();
        let mut serializer =
            serde_json::Serializer::with_formatter(&mut written, Pretty::default());
        deep.serialize(&mut serializer).expect("serializes");
        assert_eq!(
            String::from_utf8(written).expect("UTF-8"),
            serde_json::to_string_pretty(&deep).expect("serializes")
        );
    }
}
