/* SPDX-License-Identifier: MIT */
#include "pipeline/DtlsIdentity.h"

#include <cerrno>
#include <ctime>
#include <memory>

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace wcam {

namespace {

/* Browsers make theirs for 30 days; a camera keeps one for a year. */
constexpr long kValidSeconds = 365L * 24 * 3600;
constexpr long kRenewBeforeSeconds = 30L * 24 * 3600;

template<typename T, void (*Free)(T *)>
struct OpenSslDeleter {
	void operator()(T *p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, OpenSslDeleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO, BIO_free_all>>;
using BigNumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BIGNUM, BN_free>>;

std::string bioText(BIO *bio)
{
	char *data = nullptr;
	long length = BIO_get_mem_data(bio, &data);
	return length > 0 ? std::string(data, size_t(length)) : std::string();
}

CertPtr readCertificate(const std::string &pem)
{
	BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
	return CertPtr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

KeyPtr readKey(const std::string &pem)
{
	BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
	return KeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool isP256(EVP_PKEY *key)
{
	char group[64] = {};
	size_t length = 0;
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &length) &&
	       g_str_equal(group, "prime256v1");
}

} /* namespace */

std::string DtlsIdentity::generate(time_t now)
{
	KeyPtr key(EVP_EC_gen("P-256"));
	CertPtr cert(X509_new());
	BigNumPtr serial(BN_new());
	if (!key || !cert || !serial)
		return {};

	/* A random positive 63-bit serial, as RFC 5280 asks of a CA. */
	if (!BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
		return {};
	X509_set_version(cert.get(), 2);
	/* A day back, for viewers whose clock is behind the camera's. */
	if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), -1, 0, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, kValidSeconds, &now))
		return {};
	X509_NAME *name = X509_get_subject_name(cert.get());
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   reinterpret_cast<const unsigned char *>("webrtc-camera"), -1, -1, 0);
	if (!X509_set_issuer_name(cert.get(), name) || !X509_set_pubkey(cert.get(), key.get()) ||
	    !X509_sign(cert.get(), key.get(), EVP_sha256()))
		return {};

	BioPtr bio(BIO_new(BIO_s_mem()));
	if (!bio || !PEM_write_bio_X509(bio.get(), cert.get()) ||
	    !PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
		return {};
	return bioText(bio.get());
}

bool DtlsIdentity::usable(const std::string &pem)
{
	CertPtr cert = readCertificate(pem);
	KeyPtr key = readKey(pem);
	if (!cert || !key || !isP256(key.get()) || X509_check_private_key(cert.get(), key.get()) != 1)
		return false;
	time_t renewAt = time(nullptr) + kRenewBeforeSeconds;
	return X509_cmp_time(X509_get0_notAfter(cert.get()), &renewAt) > 0;
}

std::string DtlsIdentity::fingerprint(const std::string &pem)
{
	if (pem.empty())
		return {};
	CertPtr cert = readCertificate(pem);
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	if (!cert || !X509_digest(cert.get(), EVP_sha256(), digest, &length))
		return {};
	std::string text;
	for (unsigned int i = 0; i < length; i++) {
		char byte[4];
		g_snprintf(byte, sizeof(byte), i ? ":%02X" : "%02X", digest[i]);
		text += byte;
	}
	return text;
}

std::string DtlsIdentity::defaultPath()
{
	/* systemd's StateDirectory=; it may list several, the first is ours. */
	const char *state = g_getenv("STATE_DIRECTORY");
	if (state && *state) {
		std::string first(state);
		return first.substr(0, first.find(':')) + "/dtls-identity.pem";
	}
	const char *xdg = g_getenv("XDG_STATE_HOME");
	std::string base = xdg && g_path_is_absolute(xdg)
				   ? std::string(xdg)
				   : std::string(g_get_home_dir()) + "/.local/state";
	return base + "/webrtc-camera/dtls-identity.pem";
}

std::string DtlsIdentity::loadOrCreate(const std::string &path, std::string &note)
{
	note.clear();
	if (!path.empty()) {
		g_autofree char *contents = nullptr;
		gsize length = 0;
		if (g_file_get_contents(path.c_str(), &contents, &length, nullptr)) {
			std::string pem(contents, length);
			if (usable(pem))
				return pem;
			note = path + ": not a usable ECDSA P-256 certificate and key (or expiring); made a new one";
		}
	}

	std::string pem = generate();
	if (pem.empty()) {
		note = "OpenSSL could not make a DTLS certificate";
		return {};
	}
	if (path.empty()) {
		note = "no place to keep the DTLS certificate: using one for this run only";
		return pem;
	}
	g_autofree char *directory = g_path_get_dirname(path.c_str());
	g_autoptr(GError) error = nullptr;
	if (g_mkdir_with_parents(directory, 0700) != 0 ||
	    !g_file_set_contents_full(path.c_str(), pem.c_str(), gssize(pem.size()),
				      G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error)) {
		note = path + ": cannot keep the DTLS certificate (" +
		       (error ? error->message : g_strerror(errno)) + "); using one for this run only";
	}
	return pem;
}

} /* namespace wcam */
