//! One module per subcommand.

pub mod check;
pub mod drop;
pub mod export;
pub mod generate;
pub mod migrate;
pub mod pull;
pub mod push;
pub mod status;
