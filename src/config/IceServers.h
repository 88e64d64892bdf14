/* SPDX-License-Identifier: MIT */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/Config.h"
#include "config/Field.h"

namespace wcam {

/* A JSON array of {urls, username, credential}; empty text: none. */
std::optional<std::vector<IceServer>> parseIceServers(Field &field, const std::string &value);

/* The same JSON, compact, for messages and the reload diff. */
std::string formatIceServers(const std::vector<IceServer> &servers);

} /* namespace wcam */
