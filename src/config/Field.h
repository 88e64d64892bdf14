/* SPDX-License-Identifier: MIT */
/*
 * Where a config value came from ("file:section.key" or "env:VAR") and
 * where its problems go: every parser reports through one of these, so
 * messages keep the form "where: what; what is allowed".
 */
#pragma once

#include <string>
#include <utility>

#include "config/ConfigLoader.h"

namespace wcam {

class Field
{
public:
	Field(ConfigResult &result, std::string where)
		: result_(result), where_(std::move(where))
	{
	}

	void error(const std::string &what, const std::string &allowed)
	{
		result_.errors.push_back(where_ + ": " + what + "; " + allowed);
	}

	void warning(const std::string &what)
	{
		result_.warnings.push_back(where_ + ": " + what);
	}

	const std::string &where() const { return where_; }

private:
	ConfigResult &result_;
	std::string where_;
};

} /* namespace wcam */
