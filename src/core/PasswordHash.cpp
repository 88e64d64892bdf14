/* SPDX-License-Identifier: MIT */
#include "core/PasswordHash.h"

#include <cstring>
#include <memory>

#include <crypt.h>

#include <glib.h>

namespace wcam {

namespace {

/* struct crypt_data is ~32 KiB: never on the stack of a GLib callback. */
struct CryptBuffer {
	CryptBuffer() : data(std::make_unique<struct crypt_data>()) { memset(data.get(), 0, sizeof(*data)); }
	~CryptBuffer() { explicit_bzero(data.get(), sizeof(*data)); }
	std::unique_ptr<struct crypt_data> data;
};

/* crypt_r's failure tokens start with '*'; a result is a hash only with a '$'. */
bool isHash(const char *result)
{
	return result && result[0] == '$';
}

} /* namespace */

std::string checkPasswordHash(const std::string &hash)
{
	if (hash.empty())
		return "is empty";
	if (hash[0] != '$')
		return "is not a crypt(3) hash (it must start with $y$ or $6$; a password never goes in this file)";
	switch (crypt_checksalt(hash.c_str())) {
	case CRYPT_SALT_OK:
		break;
	case CRYPT_SALT_METHOD_LEGACY:
	case CRYPT_SALT_METHOD_DISABLED:
		return "uses a weak or disabled hash method; make a new one with webrtc-camera-configure --add-user";
	default:
		return "is not a hash libxcrypt understands";
	}
	/* A truncated hash would never match: say so now rather than at login. */
	CryptBuffer buffer;
	const char *result = crypt_r("", hash.c_str(), buffer.data.get());
	if (!isHash(result) || strlen(result) != hash.size())
		return "is not a complete crypt(3) hash";
	return {};
}

std::string hashPassword(const std::string &password, std::string &error)
{
	if (password.empty()) {
		error = "the password is empty";
		return {};
	}
	if (password.find('\0') != std::string::npos || password.find('\n') != std::string::npos) {
		error = "the password contains a NUL or newline character";
		return {};
	}
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	if (!crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof(setting))) {
		error = std::string("cannot make a yescrypt salt: ") + strerror(errno);
		return {};
	}
	CryptBuffer buffer;
	const char *result = crypt_r(password.c_str(), setting, buffer.data.get());
	if (!isHash(result)) {
		error = std::string("crypt_r failed: ") + strerror(errno);
		return {};
	}
	return result;
}

bool verifyPassword(const std::string &password, const std::string &hash)
{
	if (password.find('\0') != std::string::npos)
		return false;
	CryptBuffer buffer;
	const char *result = crypt_r(password.c_str(), hash.c_str(), buffer.data.get());
	return isHash(result) && constantTimeEqual(result, hash);
}

bool constantTimeEqual(const std::string &a, const std::string &b)
{
	/* The length is no secret (hash lengths are fixed; tokens are in the docs). */
	if (a.size() != b.size())
		return false;
	unsigned char differ = 0;
	for (size_t i = 0; i < a.size(); i++)
		differ |= static_cast<unsigned char>(a[i] ^ b[i]);
	return differ == 0;
}

LoginCacheKeys::LoginCacheKeys()
{
	g_autofree char *secret = g_uuid_string_random();
	secret_ = secret;
}

std::string LoginCacheKeys::operator()(const std::string &user, const std::string &password) const
{
	std::string data = user + '\0' + password;
	g_autofree char *mac = g_compute_hmac_for_data(G_CHECKSUM_SHA256,
						       reinterpret_cast<const guchar *>(secret_.data()), secret_.size(),
						       reinterpret_cast<const guchar *>(data.data()), data.size());
	explicit_bzero(data.data(), data.size());
	return mac;
}

} /* namespace wcam */
