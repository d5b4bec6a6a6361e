/*
 * alternating_forks.c - two fork() call sites in one loop, taken in turn.
 *
 * Point: a trace without stacks shows four forks in a row, and main's flow can
 * reach either line from either: nothing in it tells which line made which
 * child, so the default mode must name both as candidates, never guess.
 * Precise mode (strace -k) pins each one. No child is reaped: 4 zombies until
 * main exits, after argv[1] seconds (default 0.3).
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 0.3;
    for (int i = 0; i < 4; i++) {
        pid_t pid;
        if (i % 2 == 0)
            pid = fork();                          /* fork site 1: even */
        else
            pid = fork();                          /* fork site 2: odd */
        if (pid == 0)
            _exit(i);
    }
    usleep((useconds_t)(seconds * 1e6));   /* BUG (on purpose): no waitpid: 4 zombies */
    return 0;
}
