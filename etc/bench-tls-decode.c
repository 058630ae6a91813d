/*
 * Copyright (c) 2026 The aileron authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.
 */

/*
 * bench-tls-decode.c: a reference etc/bench-proxy.py prints beside the
 * cost of a new intercepted connection.  A worker is a fresh fork of the
 * master and must decode the leaf certificate vaultd gives it.  This
 * prepares what the master prepares (OpenSSL's server and client
 * contexts, the client's with CAFILE loaded, one decode to warm the
 * caches), then forks ROUNDS children in turn, each decoding CERT once,
 * and prints one JSON object: the decode's CPU in the parent, and its
 * mean CPU and minor page faults in a child.  Without -A, no CA store.
 *
 * usage: bench-tls-decode [-A cafile] [-n rounds] cert.pem
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct decode_cost {
	double	cpu_us;
	long	faults;
};

static double
decode_cpu_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long
decode_faults(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* One d2i_X509 of der, timed. */
static struct decode_cost
decode_once(const unsigned char *der, int len)
{
	struct decode_cost	 c;
	const unsigned char	*p = der;
	X509			*x;
	long			 f0;
	double			 t0;

	f0 = decode_faults();
	t0 = decode_cpu_us();
	x = d2i_X509(NULL, &p, len);
	c.cpu_us = decode_cpu_us() - t0;
	c.faults = decode_faults() - f0;
	if (x == NULL) {
		fprintf(stderr, "bench-tls-decode: the certificate does not "
		    "decode\n");
		exit(1);
	}
	X509_free(x);
	return c;
}

int
main(int argc, char *argv[])
{
	struct decode_cost	 warm, c, sum = { 0, 0 };
	SSL_CTX			*srv, *cli;
	unsigned char		*der = NULL;
	const char		*cafile = NULL;
	X509			*x;
	FILE			*f;
	pid_t			 pid;
	int			 ch, fd[2], i, len, rounds = 20, status;

	while ((ch = getopt(argc, argv, "A:n:")) != -1) {
		switch (ch) {
		case 'A':
			cafile = optarg;
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || rounds < 1 || rounds > 1000)
		goto usage;
	if ((f = fopen(argv[optind], "r")) == NULL ||
	    (x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL ||
	    (len = i2d_X509(x, &der)) <= 0) {
		fprintf(stderr, "bench-tls-decode: cannot read %s\n",
		    argv[optind]);
		return 1;
	}
	fclose(f);
	X509_free(x);
	if ((srv = SSL_CTX_new(TLS_server_method())) == NULL ||
	    (cli = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (cafile != NULL &&
	    SSL_CTX_load_verify_locations(cli, cafile, NULL) != 1)) {
		fprintf(stderr, "bench-tls-decode: cannot make the contexts\n");
		return 1;
	}
	decode_once(der, len);
	warm = decode_once(der, len);
	for (i = 0; i < rounds; i++) {
		if (pipe(fd) == -1 || (pid = fork()) == -1) {
			perror("bench-tls-decode");
			return 1;
		}
		if (pid == 0) {
			c = decode_once(der, len);
			_exit(write(fd[1], &c, sizeof(c)) == sizeof(c) ? 0 : 1);
		}
		close(fd[1]);
		if (read(fd[0], &c, sizeof(c)) != sizeof(c) ||
		    waitpid(pid, &status, 0) == -1 || status != 0) {
			fprintf(stderr, "bench-tls-decode: a child failed\n");
			return 1;
		}
		close(fd[0]);
		sum.cpu_us += c.cpu_us;
		sum.faults += c.faults;
	}
	printf("{\"parent_us\": %.1f, \"child_us\": %.1f, "
	    "\"child_faults\": %.1f}\n", warm.cpu_us, sum.cpu_us / rounds,
	    (double)sum.faults / rounds);
	SSL_CTX_free(srv);
	SSL_CTX_free(cli);
	OPENSSL_free(der);
	return 0;
usage:
	fprintf(stderr, "usage: bench-tls-decode [-A cafile] [-n rounds] "
	    "cert.pem\n");
	return 2;
}
