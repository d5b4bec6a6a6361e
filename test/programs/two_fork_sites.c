/*
 * two_fork_sites.c - two fork() call sites, two zombies.
 *
 * Point: a tool that maps each zombie to the source line that created it
 * must tell spawn_worker's fork from spawn_logger's. Neither child is
 * reaped; both stay zombies until main exits after 300 ms.
 * The worker exits 1, the logger exits 2.
 */
#include <stdio.h>
#include <unistd.h>

static pid_t spawn_worker(void)
{
    pid_t pid = fork();                            /* fork site 1: worker */
    if (pid == 0)
        _exit(1);
    return pid;
}

static pid_t spawn_logger(void)
{
    pid_t pid = fork();                            /* fork site 2: logger */
    if (pid == 0)
        _exit(2);
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t worker = spawn_worker();
    pid_t logger = spawn_logger();
    printf("worker %d logger %d\n", (int)worker, (int)logger);
    usleep(300 * 1000);         /* BUG (on purpose): no waitpid: 2 zombies */
    return 0;
}
