// fork_sites.rs - a Rust program's children, made two ways, neither reaped.
//
// Point: a child made by libc's fork(), called from the program's own code, and one
// made by std::process::Command, whose fork happens inside the standard library, must
// each point at the line of this file that made them. Both stay zombies until main
// exits after 300 ms.
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::Duration;

extern "C" {
    fn fork() -> i32;
    fn _exit(code: i32) -> !;
}

#[inline(never)]
fn spawn_worker() -> i32 {
    let pid = unsafe { fork() }; // fork site 1: worker
    if pid == 0 {
        unsafe { _exit(1) }
    }
    pid
}

#[inline(never)]
fn spawn_helper() -> Child {
    Command::new("/bin/true").spawn().expect("spawn /bin/true") // fork site 2: helper
}

fn main() {
    let worker = spawn_worker();
    let helper = spawn_helper();
    println!("worker {} helper {}", worker, helper.id());
    sleep(Duration::from_millis(300)); // BUG (on purpose): nobody waits: 2 zombies
}
