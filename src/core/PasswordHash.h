/* SPDX-License-Identifier: MIT */
/*
 * crypt(3) password hashes through libxcrypt: yescrypt ($y$) for new
 * ones; any strong method libxcrypt knows ($y$, $gy$, $7$, $2b$, $6$)
 * is accepted. Legacy DES and MD5 hashes are refused.
 */
#pragma once

#include <string>

namespace wcam {

/* Empty when `hash` is a complete hash of a method we accept, else why not. */
std::string checkPasswordHash(const std::string &hash);

/* A new yescrypt hash of `password`; empty with `error` set on failure. */
std::string hashPassword(const std::string &password, std::string &error);

/* True when `password` hashes to `hash` (compared in constant time). */
bool verifyPassword(const std::string &password, const std::string &hash);

/* Equal strings, in a time that does not depend on where they differ. */
bool constantTimeEqual(const std::string &a, const std::string &b);

/*
 * Keys for a cache of logins already verified: an HMAC of user and
 * password under a secret made per instance, so the cache holds no password.
 */
class LoginCacheKeys
{
public:
	LoginCacheKeys();
	std::string operator()(const std::string &user, const std::string &password) const;

private:
	std::string secret_;
};

} /* namespace wcam */
