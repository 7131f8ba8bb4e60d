"""Debian's real slapd for the LDAP sign-in tests: its own process on a free local port, an mdb
database in a temporary folder, seeded by slapadd from tests/ldap_seed.ldif, and a self-signed
certificate for StartTLS. `make test` and .ci/run install slapd, ldap-utils and openssl."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import ldap

from tests.workers import wait_for

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
SEED = Path(__file__).with_name("ldap_seed.ldif")
BASE_DN = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "admin-secret"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {folder}/cert.pem
TLSCertificateKeyFile {folder}/key.pem
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {folder}/data
# People bind with their own password; only signed-in accounts (the portal's) may search.
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Slapd:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        # An address, not "localhost": libldap checks the certificate against the name it
        # connects to, and the certificate names 127.0.0.1.
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.ca_file = folder / "cert.pem"
        self.process: subprocess.Popen | None = None

    def start(self) -> Slapd:
        (self.folder / "data").mkdir(parents=True)
        config = self.folder / "slapd.conf"
        config.write_text(
            CONFIG.format(folder=self.folder, base=BASE_DN, admin=ADMIN_DN, password=ADMIN_PASSWORD)
        )
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(self.folder / "key.pem"), "-out", str(self.ca_file)],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [SLAPADD, "-f", str(config), "-l", str(SEED)],
            check=True,
            capture_output=True,
        )
        log = open(self.folder / "slapd.log", "wb")  # noqa: SIM115 - closed with the process
        # -d keeps slapd in the foreground, so that it is this process and dies with the tests.
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(config), "-h", f"{self.uri}/", "-d", "0"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, timeout=20, interval=0.05, message=f"slapd on {self.uri}")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            log = (self.folder / "slapd.log").read_text(errors="replace")
            raise AssertionError(f"slapd exited with {self.process.returncode}:\n{log}")
        try:
            self.admin().unbind_s()
        except ldap.SERVER_DOWN:
            return False
        return True

    def admin(self) -> ldap.ldapobject.LDAPObject:
        """A connection bound as the directory's manager, to change the directory mid-test."""
        connection = ldap.initialize(self.uri)
        connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return connection

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
