// wait_sites.rs - a Rust program that waits for one child and forgets another.
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::Duration;

#[inline(never)]
fn start_forgotten() -> Child {
    Command::new("/bin/true").spawn().expect("spawn /bin/true") // fork site: forgotten
}

#[inline(never)]
fn run_waited() {
    let mut child = Command::new("/bin/true").spawn().expect("spawn /bin/true"); // fork site: waited
    child.wait().expect("wait for /bin/true"); // wait site: reaps the waited child only
}

fn main() {
    let forgotten = start_forgotten();
    sleep(Duration::from_millis(100)); // the forgotten child exits first: a zombie from here on
    run_waited();
    println!("forgotten {}", forgotten.id());
    sleep(Duration::from_millis(200)); // BUG (on purpose): forgotten.wait() is never called
}
