//! One module per subcommand.

pub mod export;
pub mod migrate;
pub mod status;
