/*
 * split_main.c - main() in one file, the fork in another (split_worker.c).
 *
 * Point: the reaping SIGCHLD handler belongs in main(), which is not in the
 * fork's file; an edit in another file than the one the finding points at is
 * not offered, and the reason says so. Two zombies until main exits.
 */
#include <unistd.h>

pid_t spawn_worker(void);

int main(void)
{
    spawn_worker();
    spawn_worker();
    usleep(200 * 1000);         /* BUG (on purpose): no waitpid */
    return 0;
}
