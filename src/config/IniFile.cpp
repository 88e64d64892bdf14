/* SPDX-License-Identifier: MIT */
#include "config/IniFile.h"

#include <algorithm>
#include <sstream>

#include "config/TextUtil.h"

namespace wcam {

namespace {

size_t indentOf(const std::string &line)
{
	size_t indent = line.find_first_not_of(" \t");
	return indent == std::string::npos ? line.size() : indent;
}

/* configparser's inline_comment_prefixes: "#" or ";" after whitespace. */
std::string stripInlineComment(const std::string &text)
{
	for (size_t i = 1; i < text.size(); i++) {
		if ((text[i] == '#' || text[i] == ';') && (text[i - 1] == ' ' || text[i - 1] == '\t'))
			return trim(std::string_view(text).substr(0, i));
	}
	return text;
}

} /* namespace */

const IniEntry *IniFile::find(const std::string &section, const std::string &key) const
{
	auto it = std::find_if(entries.rbegin(), entries.rend(), [&](const IniEntry &entry) {
		return entry.section == section && entry.key == key;
	});
	return it == entries.rend() ? nullptr : &*it;
}

IniFile parseIni(const std::string &text)
{
	IniFile ini;
	std::istringstream in(text);
	std::string line;
	int number = 0;
	std::string section;
	bool inSection = false;
	bool brokenHeader = false;
	IniEntry *current = nullptr; /* the entry a deeper-indented line continues */
	size_t currentIndent = 0;
	int blankLines = 0; /* kept inside a value only if more of it follows */

	auto error = [&](const std::string &what) {
		ini.errors.push_back("line " + std::to_string(number) + ": " + what);
	};

	while (std::getline(in, line)) {
		number++;
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		if (number == 1 && line.rfind("\xef\xbb\xbf", 0) == 0)
			line.erase(0, 3);

		std::string content = trim(line);
		if (content.empty()) {
			blankLines++;
			continue;
		}
		if (content.front() == '#' || content.front() == ';')
			continue;
		content = stripInlineComment(content);

		size_t indent = indentOf(line);
		if (current && indent > currentIndent) {
			current->value.append(blankLines + 1, '\n');
			current->value += content;
			blankLines = 0;
			continue;
		}
		blankLines = 0;
		current = nullptr;

		if (content.front() == '[') {
			if (content.back() != ']' || content.size() < 3) {
				error("\"" + content + "\" is not a [section] header");
				/* Its keys belong to no section; the header is the one mistake. */
				inSection = false;
				brokenHeader = true;
				continue;
			}
			section = content.substr(1, content.size() - 2);
			inSection = true;
			brokenHeader = false;
			if (std::find(ini.sections.begin(), ini.sections.end(), section) == ini.sections.end())
				ini.sections.push_back(section);
			continue;
		}

		size_t equals = content.find('=');
		if (equals == std::string::npos || equals == 0) {
			error(quote(content) + " is not a key = value pair, a [section] or a comment");
			continue;
		}
		if (!inSection) {
			if (!brokenHeader)
				error("key " + quote(trim(content.substr(0, equals))) + " is outside any [section]");
			continue;
		}
		ini.entries.push_back({ section, trim(content.substr(0, equals)),
					trim(content.substr(equals + 1)), number });
		current = &ini.entries.back();
		currentIndent = indent;
	}
	return ini;
}

} /* namespace wcam */
