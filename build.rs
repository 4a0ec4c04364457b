//! Build script: embeds the web interface's assets (web/embed.rs).

#[path = "web/embed.rs"]
mod web_embed;

fn main() {
    web_embed::embed();
}
