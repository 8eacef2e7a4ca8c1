/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The [HTTP] settings: defaults, good values, and bad ones reported with
 * file:line. */
#include "conf.h"
#include "test-util.h"
#include "util.h"

static int parse(const char *text, Config **ret, char **ret_error) {
        _cleanup_(config_freep) Config *c = NULL;
        FILE *f;
        int r;

        *ret_error = NULL;
        CHECK(config_new_default(&c) == 0);
        f = fmemopen((void *) text, strlen(text), "r");
        CHECK(f);
        r = config_parse_file(c, f, "test.conf", ret_error);
        fclose(f);
        if (r >= 0)
                *ret = TAKE_PTR(c);
        return r;
}

static void check_bad(const char *text, const char *message) {
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;

        CHECK(parse(text, &c, &error) < 0);
        CHECK(error);
        if (!strstr(error, message)) {
                fprintf(stderr, "error \"%s\" does not say \"%s\"\n", error, message);
                exit(EXIT_FAILURE);
        }
}

int main(void) {
        _cleanup_(config_freep) Config *d = NULL, *c = NULL, *c6 = NULL, *off = NULL;
        _cleanup_free_ char *error = NULL;

        CHECK(config_new_default(&d) == 0);
        CHECK(d->http_enable);
        CHECK_STREQ(d->http_address, "127.0.0.1");
        CHECK_EQ_U64(d->http_port, 9258);

        CHECK(parse("[HTTP]\nAddress=0.0.0.0\nPort=19258\n", &c, &error) == 0);
        CHECK(c->http_enable);
        CHECK_STREQ(c->http_address, "0.0.0.0");
        CHECK_EQ_U64(c->http_port, 19258);
        CHECK(parse("[HTTP]\nAddress=::1\nPort=0\nEnable=yes\n", &c6, &error) == 0);
        CHECK_STREQ(c6->http_address, "::1");
        CHECK_EQ_U64(c6->http_port, 0);
        CHECK(parse("[HTTP]\nEnable=no\n", &off, &error) == 0);
        CHECK(!off->http_enable);

        check_bad("[HTTP]\nPort=65536\n", "test.conf:2: Port=65536: not a port number from 0 to 65535");
        check_bad("[HTTP]\nPort=-1\n", "test.conf:2: Port=-1: not a port number");
        check_bad("[HTTP]\nPort=\n", "test.conf:2: Port=: not a port number");
        check_bad("[HTTP]\n\nPort=80x\n", "test.conf:3: Port=80x: not a port number");
        check_bad("[HTTP]\nAddress=localhost\n", "test.conf:2: Address=localhost: not an IPv4 or IPv6 address");
        check_bad("[HTTP]\nAddress=127.0.0.1:9258\n", "Address=127.0.0.1:9258: not an IPv4 or IPv6 address");
        check_bad("[HTTP]\nEnable=maybe\n", "test.conf:2: Enable=maybe: not a boolean (yes or no)");
        check_bad("[HTTP]\nListen=127.0.0.1\n", "unknown setting [HTTP] Listen=");
        return 0;
}
