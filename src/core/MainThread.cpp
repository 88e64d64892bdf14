/* SPDX-License-Identifier: MIT */
#include "core/MainThread.h"

#include <glib.h>

namespace wcam {

void postToMain(std::function<void()> work)
{
	auto *data = new std::function<void()>(std::move(work));
	g_autoptr(GSource) source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_callback(
		source,
		[](gpointer ptr) -> gboolean {
			(*static_cast<std::function<void()> *>(ptr))();
			return G_SOURCE_REMOVE;
		},
		data, [](gpointer ptr) { delete static_cast<std::function<void()> *>(ptr); });
	g_source_attach(source, g_main_context_default());
}

} /* namespace wcam */
