/*
 * own_library_mixed.c - forks in its own code and in its own library.
 *
 * Point: with fork() called both here and in ownlib/libpool.so, the
 * default mode cannot know which call made a child, and must say so
 * (both candidates); the precise mode pins each child to its line.
 */
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

pid_t pool_spawn(int status);

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pool_spawn(1);
    pid_t logger = fork();                         /* main fork: logger */
    if (logger == 0)
        _exit(4);
    usleep(300 * 1000);         /* BUG (on purpose): no waitpid: 2 zombies */
    return 0;
}
