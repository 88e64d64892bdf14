/* SPDX-License-Identifier: MIT */
/*
 * The keys of the old Python server this project replaces, so that its
 * config.ini loads after an upgrade: each is read as our key and a notice
 * says what to write instead. Only the keys listed here are forgiven; any
 * other unknown key stays an error.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/Field.h"

namespace wcam {

struct LegacyTranslation {
	/* Our key and value. */
	std::string section;
	std::string key;
	std::string value;
	std::string notice; /* what to write instead */
};

/*
 * nullopt when `section.key = value` is no key of the old server (or an
 * old key whose value means the same to us). Problems with the value go
 * to `field`; the result is then nullopt too.
 */
std::optional<LegacyTranslation> translateLegacyKey(Field &field, const std::string &section, const std::string &key,
						    const std::string &value);

/* Sections only the old server had ([server], [webrtc]). */
bool isLegacySection(const std::string &section);

/* The old server's key names in `section`, for "did you mean". */
std::vector<std::string> legacyKeyNames(const std::string &section);

} /* namespace wcam */
