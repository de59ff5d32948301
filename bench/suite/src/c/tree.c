/* tree: the binary-trees benchmark shape - build complete binary trees with malloc, walk
 * them, free them.  A long-lived tree of depth D stays allocated while, for every depth
 * d = 4, 6, .., D, 2^(D - d + 4) trees of depth d are built, checked and freed; each node
 * carries a value folded into the check.  stdin: D.  stdout: one line per depth (trees,
 * check), then the long-lived tree's check. */
#include "wio.h"
#include <stdlib.h>

typedef struct node {
    struct node *left, *right;
    uint32_t value;
} node;

static node *build(int depth, uint32_t value) {
    node *n = malloc(sizeof *n);
    if (!n) {
        put_str("out of memory\n");
        wio_flush();
        exit(1);
    }
    n->value = value;
    if (depth > 0) {
        n->left = build(depth - 1, 2 * value);
        n->right = build(depth - 1, 2 * value + 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

/* Nodes, plus the values mixed in: leaves add theirs, inner nodes subtract. */
static uint64_t check(const node *n) {
    if (!n->left) return 1 + n->value;
    return 1 + check(n->left) + check(n->right) - n->value;
}

static void release(node *n) {
    if (n->left) {
        release(n->left);
        release(n->right);
    }
    free(n);
}

int main(void) {
    int max_depth = (int)read_u64(10);
    if (max_depth < 6) max_depth = 6;
    node *long_lived = build(max_depth, 1);
    for (int d = 4; d <= max_depth; d += 2) {
        uint64_t trees = (uint64_t)1 << (max_depth - d + 4), sum = 0;
        for (uint64_t i = 0; i < trees; i++) {
            node *t = build(d, (uint32_t)i);
            sum += check(t);
            release(t);
        }
        put_u64(trees); put_str(" trees of depth "); put_u64((uint64_t)d);
        put_str(" check "); put_u64(sum); put_char('\n');
    }
    put_str("long lived tree of depth "); put_u64((uint64_t)max_depth);
    put_str(" check "); put_u64(check(long_lived)); put_char('\n');
    release(long_lived);
    wio_flush();
    return 0;
}
