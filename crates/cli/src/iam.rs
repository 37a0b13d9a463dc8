//! `palisade user add|list|disable|enable` and `palisade token create|list|revoke`: identity
//! administration through the server's API (docs/iam.md).

use crate::client::{Client, ServerArgs};
use anyhow::Context;
use serde_json::json;
use std::{io::Read, path::PathBuf, process::ExitCode};

/// `palisade user ...`
#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create an account. Its second factor is not set here: an administrator enrols its own
    /// at its first sign-in (console Account page, or `POST /api/v1/users/me/totp`).
    Add(UserAddArgs),
    /// List the accounts of a tenant (`--tenant '*'`: every tenant, operators only).
    List(TenantArgs),
    /// Disable an account: it cannot log in, its tokens stop working, its sessions end.
    Disable(UserNameArgs),
    /// Enable a disabled account again (also clears a lockout).
    Enable(UserNameArgs),
}

/// `palisade token ...`
#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token; prints the token (shown this once) on stdout.
    Create(TokenCreateArgs),
    /// List tokens (never their secrets).
    List(TenantArgs),
    /// Revoke a token by id.
    Revoke(TokenRevokeArgs),
}

/// The tenant a command acts in.
#[derive(clap::Args)]
pub struct TenantArgs {
    /// Tenant (default: the caller's own).
    #[arg(long)]
    tenant: Option<String>,
    #[command(flatten)]
    server: ServerArgs,
}

/// `palisade user add`
#[derive(clap::Args)]
pub struct UserAddArgs {
    /// Account name.
    name: String,
    /// Comma-separated roles: user, sysadmin, secadmin, auditadmin, operator.
    #[arg(long)]
    roles: String,
    /// Read the initial password from this file (`-`: standard input); none: token-only.
    #[arg(long)]
    password_file: Option<PathBuf>,
    #[command(flatten)]
    tenant: TenantArgs,
}

/// An account by name.
#[derive(clap::Args)]
pub struct UserNameArgs {
    /// Account name.
    name: String,
    #[command(flatten)]
    tenant: TenantArgs,
}

/// `palisade token create`
#[derive(clap::Args)]
pub struct TokenCreateArgs {
    /// Account the token acts as (default: the caller).
    #[arg(long)]
    user: Option<String>,
    /// The role it carries (default: the account's only role).
    #[arg(long)]
    role: Option<String>,
    /// Lifetime (`30d`, `12h`; `0`: never expires; default: `iam.token_ttl`).
    #[arg(long)]
    ttl: Option<String>,
    /// What the token is for.
    #[arg(long, default_value = "")]
    description: String,
    #[command(flatten)]
    tenant: TenantArgs,
}

/// `palisade token revoke`
#[derive(clap::Args)]
pub struct TokenRevokeArgs {
    /// Token id (`palisade token list` shows them).
    id: String,
    #[command(flatten)]
    server: ServerArgs,
}

fn read_password(path: &PathBuf) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?;
    }
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

fn tenant_query(tenant: &Option<String>) -> Vec<(&str, &str)> {
    tenant.iter().map(|t| ("tenant", t.as_str())).collect()
}

fn print(value: &serde_json::Value) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

/// Runs a `palisade user` command.
pub fn run_user(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add(args) => {
            let client = Client::new(&args.tenant.server)?;
            let password = args.password_file.as_ref().map(read_password).transpose()?;
            let body = json!({
                "tenant": args.tenant.tenant,
                "name": args.name,
                "roles": args.roles,
                "password": password,
            });
            let answer = client.send_json("POST", "/api/v1/users", &body)?;
            print(&answer["user"])
        }
        UserCommand::List(args) => {
            let client = Client::new(&args.server)?;
            print(&client.get("/api/v1/users", &tenant_query(&args.tenant))?)
        }
        UserCommand::Disable(args) => set_disabled(args, "disable"),
        UserCommand::Enable(args) => set_disabled(args, "enable"),
    }
}

fn set_disabled(args: UserNameArgs, action: &str) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.tenant.server)?;
    let mut path = format!("/api/v1/users/{}/{action}", args.name);
    if let Some(t) = &args.tenant.tenant {
        path.push_str(&format!("?tenant={t}"));
    }
    print(&client.send_json("POST", &path, &json!({}))?)
}

/// Runs a `palisade token` command.
pub fn run_token(cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Create(args) => {
            let client = Client::new(&args.tenant.server)?;
            let ttl = args
                .ttl
                .as_deref()
                .map(|t| t.parse::<u64>().map_or_else(|_| json!(t), |ms| json!(ms)));
            let body = json!({
                "tenant": args.tenant.tenant,
                "user": args.user,
                "role": args.role,
                "ttl": ttl,
                "description": args.description,
            });
            let answer = client.send_json("POST", "/api/v1/tokens", &body)?;
            let info = &answer["info"];
            eprintln!(
                "token {} for {}/{} as {}, expires {} (shown once; store it now)",
                info["id"].as_str().unwrap_or("?"),
                info["tenant"].as_str().unwrap_or("?"),
                info["user"].as_str().unwrap_or("?"),
                info["role"].as_str().unwrap_or("?"),
                info["expires_ms"]
                    .as_i64()
                    .map_or("never".to_owned(), palisade_core::time::format_rfc3339),
            );
            println!("{}", answer["token"].as_str().unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List(args) => {
            let client = Client::new(&args.server)?;
            print(&client.get("/api/v1/tokens", &tenant_query(&args.tenant))?)
        }
        TokenCommand::Revoke(args) => {
            let client = Client::new(&args.server)?;
            let path = format!("/api/v1/tokens/{}", args.id);
            print(&client.send_json("DELETE", &path, &json!({}))?)
        }
    }
}
