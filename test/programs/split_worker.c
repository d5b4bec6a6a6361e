/* split_worker.c - the fork of split_main, in a file without main(). */
#include <unistd.h>

pid_t spawn_worker(void)
{
    pid_t pid = fork();                            /* worker fork site */
    if (pid == 0)
        _exit(0);
    return pid;
}
