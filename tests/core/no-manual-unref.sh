#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Every GLib/GStreamer reference in src/ is released by the RAII layer
# (src/core/GlibPtr.h) or by g_autoptr/g_autofree: a hand-written unref or
# free is a leak or a double free waiting for the next early return.
# Passing such a function as a destroy notify (no call) is fine.
#
# usage: no-manual-unref.sh SOURCE_DIR   (checks SOURCE_DIR/src)
set -eu

src="${1:?usage: $0 SOURCE_DIR}/src"
[ -d "$src" ] || { echo "no directory $src" >&2; exit 2; }

calls='g_object_unref|gst_object_unref|gst_caps_unref|gst_mini_object_unref'
calls="$calls|gst_event_unref|gst_buffer_unref|gst_message_unref|gst_query_unref"
calls="$calls|gst_sample_unref|gst_promise_unref|gst_structure_free|gst_sdp_message_free"
calls="$calls|gst_sdp_media_free|gst_webrtc_session_description_free|gst_iterator_free"
calls="$calls|g_source_unref|g_main_loop_unref|g_main_context_unref|g_bytes_unref"
calls="$calls|g_variant_unref|g_hash_table_unref|g_error_free|g_clear_error|g_free"
calls="$calls|g_strfreev|g_list_free|g_list_free_full|g_slist_free|g_slist_free_full"
calls="$calls|g_clear_object|g_clear_pointer|gst_clear_object|gst_clear_caps"
calls="$calls|gst_clear_structure|gst_clear_mini_object"

found=$(grep -rnE "\\b($calls)[[:space:]]*\\(" "$src" \
	--include='*.cpp' --include='*.h' --include='*.c' |
	grep -v "^$src/core/GlibPtr.h:" || true)

if [ -n "$found" ]; then
	echo "manual unref/free outside src/core/GlibPtr.h (use GstPtr, CapsPtr, g_autoptr...):"
	echo "$found" | sed "s|^$src/|src/|"
	exit 1
fi
echo "no manual unref in $src"
