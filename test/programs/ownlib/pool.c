/*
 * pool.c - a project's own shared library (libpool.so) that forks workers
 * and reaps only the first one.
 *
 * Point: the fork and the waitpid that leaves zombies are in the program's
 * own library, not in its executable. The default (fast) mode must find
 * them there, with the library's own debug information.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t pool_spawn(int status)
{
    pid_t pid = fork();                            /* pool fork */
    if (pid == 0) {
        usleep(20 * 1000 * status);
        _exit(status);
    }
    return pid;
}

void pool_reap(pid_t first)
{
    int st;
    waitpid(first, &st, 0);                        /* pool wait: only the first */
}
