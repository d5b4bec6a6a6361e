/*
 * two_fork_sites.c - two fork() call sites, two zombies.
 *
 * Point: a tool that maps each zombie to the source line that created it
 * must tell spawn_worker's fork from spawn_logger's. Neither child is
 * reaped; both stay zombies until main exits after argv[1] ms (default 300:
 * an attach test holds them longer). The worker exits 1, the logger exits 2.
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv)
{
    int ms = argc > 1 ? atoi(argv[1]) : 300;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t worker = spawn_worker();
    pid_t logger = spawn_logger();
    printf("worker %d logger %d\n", (int)worker, (int)logger);
    usleep(ms * 1000);          /* BUG (on purpose): no waitpid: 2 zombies */
    return 0;
}
