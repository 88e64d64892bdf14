/* SPDX-License-Identifier: MIT */
#include "core/TlsFiles.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

namespace wcam {

namespace {

/* Whether the first certificate in `certificatePem` has the public half of `keyPem`. */
bool keyMatches(const char *certificatePem, const char *keyPem)
{
	BIO *certBio = BIO_new_mem_buf(certificatePem, -1);
	BIO *keyBio = BIO_new_mem_buf(keyPem, -1);
	X509 *certificate = certBio ? PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr) : nullptr;
	EVP_PKEY *key = keyBio ? PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr) : nullptr;
	bool matches = certificate && key && X509_check_private_key(certificate, key) == 1;
	EVP_PKEY_free(key);
	X509_free(certificate);
	BIO_free(keyBio);
	BIO_free(certBio);
	return matches;
}

} /* namespace */

GTlsCertificate *loadTlsCertificate(const std::string &certificatePath, const std::string &keyPath,
				    std::string &error)
{
	g_autoptr(GError) gerror = nullptr;
	g_autoptr(GTlsCertificate) certificate =
		g_tls_certificate_new_from_files(certificatePath.c_str(), keyPath.c_str(), &gerror);
	if (!certificate) {
		error = gerror->message;
		return nullptr;
	}
	g_autofree char *certificatePem = nullptr;
	g_autofree char *keyPem = nullptr;
	g_object_get(certificate, "certificate-pem", &certificatePem, "private-key-pem", &keyPem, nullptr);
	if (!certificatePem || !keyPem || !keyMatches(certificatePem, keyPem)) {
		error = "the private key does not belong to the certificate";
		return nullptr;
	}
	return static_cast<GTlsCertificate *>(g_steal_pointer(&certificate));
}

} /* namespace wcam */
