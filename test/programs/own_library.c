/*
 * own_library.c - a program whose fork and waitpid live in its own shared
 * library, ownlib/libpool.so, found through DT_RUNPATH $ORIGIN/ownlib.
 *
 * Three workers are forked in the library; the library reaps only the
 * first, so two stay zombies until main exits after 300 ms.
 * Built twice: own_library (with the runpath) and own_library_ldpath
 * (without: it runs only with LD_LIBRARY_PATH=ownlib).
 */
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

pid_t pool_spawn(int status);
void pool_reap(pid_t first);

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t first = pool_spawn(1);
    pool_spawn(2);
    pool_spawn(3);
    pool_reap(first);
    usleep(300 * 1000);         /* BUG (on purpose): workers 2 and 3 stay zombies */
    return 0;
}
