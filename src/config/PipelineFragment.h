/* SPDX-License-Identifier: MIT */
#pragma once

#include <optional>
#include <string>

#include "config/Field.h"

namespace wcam {

/*
 * Builds the fragment the way the pipeline will, so any error shows up
 * now; `example` goes into the message. Empty text: the built-in chain.
 */
std::optional<std::string> parseFragment(Field &field, const std::string &value, const char *example);

} /* namespace wcam */
