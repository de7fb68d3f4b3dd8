// The migrations are embedded by sqlx::migrate!: rebuild when one is added
// or changed (the macro alone does not watch the directory).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
