/* A C program with one known hot loop, for the per-source-line profile test
 * (tests/profile.rs). Freestanding: the machine's clang has no wasi-libc, so it calls WASI's
 * fd_write itself. Built by build.sh. */
typedef unsigned int u32;

__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write")))
int fd_write(int fd, const void *iovs, int iovs_len, int *written);

struct iovec {
    const char *base;
    unsigned long len;
};

/* Inlined into the loop: its cost belongs to its own line. */
static inline u32 rotl(u32 x, int k) {
    return (x << k) | (x >> (32 - k));
}

static unsigned char data[256];

static u32 checksum(const unsigned char *buf, int n, int rounds) {
    u32 h = 2166136261u;
    for (int r = 0; r < rounds; r++) {         /* HOT LOOP BEGIN */
        for (int i = 0; i < n; i++) {
            h ^= buf[i];
            h *= 16777619u;
            h = rotl(h, 5) + (u32)r;
        }
    }                                          /* HOT LOOP END */
    return h;
}

void _start(void) {
    for (int i = 0; i < 256; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    u32 h = checksum(data, 256, 200);
    char out[9];
    for (int i = 0; i < 8; i++)
        out[i] = "0123456789abcdef"[(h >> (28 - 4 * i)) & 15];
    out[8] = '\n';
    struct iovec v = {out, 9};
    int written;
    fd_write(1, &v, 1, &written);
}
