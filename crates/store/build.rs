// `sqlx::migrate!` embeds the migration files at compile time; without this a new
// migration would not be picked up until something else in the crate changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
