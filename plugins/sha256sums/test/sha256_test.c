/* Known-answer tests for sha256.c (FIPS 180-4 / NIST CSHA256 examples).
 * Native build: cc -O2 -I.. ../sha256.c sha256_test.c && ./a.out
 * Prints "N passed, N failed"; exits non-zero on any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static int passed, failed;

static void check(const char *name, const char *got, const char *want) {
    if (strcmp(got, want) == 0) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s\n  got  %s\n  want %s\n", name, got, want);
    }
}

static void one_shot(const char *name, const void *data, size_t len, const char *want) {
    uint8_t d[32];
    char hex[65];
    sha256(data, len, d);
    sha256_hex(d, hex);
    check(name, hex, want);
}

int main(void) {
    one_shot("empty", "", 0,
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    one_shot("abc", "abc", 3,
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    one_shot("448 bits", m448, strlen(m448),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
        "klmnopqrlmnopqrsmnopqrstnopqrstu";
    one_shot("896 bits", m896, strlen(m896),
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    one_shot("hello", "hello", 5,
             "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");

    /* One million 'a', fed in uneven chunks to exercise buffering. */
    {
        static char a[1000000];
        memset(a, 'a', sizeof a);
        const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
        one_shot("million a", a, sizeof a, want);
        sha256_ctx ctx;
        sha256_init(&ctx);
        size_t off = 0, step = 1;
        while (off < sizeof a) {
            size_t n = step < sizeof a - off ? step : sizeof a - off;
            sha256_update(&ctx, a + off, n);
            off += n;
            step = step * 3 % 127 + 1;
        }
        uint8_t d[32];
        char hex[65];
        sha256_final(&ctx, d);
        sha256_hex(d, hex);
        check("million a, chunked", hex, want);
    }

    /* Every length across the 55/56/64-byte padding boundaries: one-shot
     * and byte-at-a-time must agree. */
    {
        unsigned char buf[130];
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7 + 1);
        int ok = 1;
        for (size_t len = 0; len <= sizeof buf; len++) {
            uint8_t d1[32], d2[32];
            sha256(buf, len, d1);
            sha256_ctx ctx;
            sha256_init(&ctx);
            for (size_t i = 0; i < len; i++) sha256_update(&ctx, buf + i, 1);
            sha256_final(&ctx, d2);
            if (memcmp(d1, d2, 32) != 0) ok = 0;
        }
        check("streaming equals one-shot", ok ? "yes" : "no", "yes");
    }

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
