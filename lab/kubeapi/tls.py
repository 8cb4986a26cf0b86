# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A private CA and the serving certificate (127.0.0.1 and localhost), kept in the state directory."""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .files import write_atomically

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
SERVER_CERT = "apiserver.crt"
SERVER_KEY = "apiserver.key"
_VALIDITY = datetime.timedelta(days=3650)


@dataclass
class Credentials:
    """Paths of the CA certificate and of the serving certificate and key."""

    ca_cert: str
    server_cert: str
    server_key: str

    def ca_pem(self) -> bytes:
        """The CA certificate in PEM."""
        with open(self.ca_cert, "rb") as handle:
            return handle.read()


def _write(path: str, data: bytes, private: bool) -> None:
    write_atomically(path, data, 0o600 if private else 0o644)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _builder(subject: x509.Name, issuer: x509.Name, public_key: object) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _make_ca(directory: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flatnet-lab-ca")])
    cert = (_builder(name, name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    _write(os.path.join(directory, CA_KEY), _key_pem(key), True)
    _write(os.path.join(directory, CA_CERT), cert.public_bytes(serialization.Encoding.PEM), False)


def _make_server(directory: str) -> None:
    with open(os.path.join(directory, CA_KEY), "rb") as handle:
        ca_key = serialization.load_pem_private_key(handle.read(), password=None)
    with open(os.path.join(directory, CA_CERT), "rb") as handle:
        ca_cert = x509.load_pem_x509_certificate(handle.read())
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    names = [x509.DNSName("localhost"), x509.DNSName("kubernetes"), x509.DNSName("kubernetes.default"),
             x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (_builder(subject, ca_cert.subject, key.public_key())
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(os.path.join(directory, SERVER_KEY), _key_pem(key), True)
    _write(os.path.join(directory, SERVER_CERT), cert.public_bytes(serialization.Encoding.PEM), False)


def ensure(directory: str) -> Credentials:
    """The CA and serving certificate of a state directory, created when missing."""
    paths = {name: os.path.join(directory, name) for name in (CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY)}
    if not (os.path.exists(paths[CA_CERT]) and os.path.exists(paths[CA_KEY])):
        _make_ca(directory)
        for name in (SERVER_CERT, SERVER_KEY):
            if os.path.exists(paths[name]):
                os.unlink(paths[name])
    if not (os.path.exists(paths[SERVER_CERT]) and os.path.exists(paths[SERVER_KEY])):
        _make_server(directory)
    return Credentials(paths[CA_CERT], paths[SERVER_CERT], paths[SERVER_KEY])
