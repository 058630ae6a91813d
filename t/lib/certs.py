# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""certs.py: a throwaway test CA and an upstream certificate, with the
openssl command line."""

import os
import subprocess


def make_certs(tmp, hosts, name="aileron test"):
    """A test CA and a leaf for hosts, P-256: (ca.pem, leaf.pem, leaf.key)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=30)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=%s CA" % name,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr",
        "-subj", "/CN=%s upstream" % name)
    with open(os.path.join(tmp, "leaf.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=" +
                ",".join("DNS:" + h for h in sorted(hosts)) + "\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey",
        "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "2",
        "-extfile", "leaf.ext")
    return (os.path.join(tmp, "ca.pem"), os.path.join(tmp, "leaf.pem"),
            os.path.join(tmp, "leaf.key"))
