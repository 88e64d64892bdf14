/* SPDX-License-Identifier: MIT */
#include "server/WebSocketLimiter.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/GlibPtr.h"

namespace {

/* Where in a frame the parser stands. */
enum class Stage { Header, Payload };

struct WcamWsLimiter {
	GObject parent;
	size_t maxMessage;
	Stage stage;
	uint8_t header[14];
	size_t headerHave;
	uint64_t payloadLeft;
	uint64_t messageBytes;
	bool messageOpen;
};

struct WcamWsLimiterClass {
	GObjectClass parent;
};

void wcamWsLimiterIfaceInit(GConverterIface *iface);

G_DEFINE_TYPE_WITH_CODE(WcamWsLimiter, wcam_ws_limiter, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(G_TYPE_CONVERTER, wcamWsLimiterIfaceInit))

void wcam_ws_limiter_class_init(WcamWsLimiterClass *) {}

void wcam_ws_limiter_init(WcamWsLimiter *self)
{
	self->maxMessage = 0;
	self->stage = Stage::Header;
	self->headerHave = 0;
	self->payloadLeft = 0;
	self->messageBytes = 0;
	self->messageOpen = false;
}

/* Bytes a complete header has, from its first two bytes. */
size_t headerSize(const uint8_t *header)
{
	size_t size = 2;
	uint8_t length = header[1] & 0x7f;
	if (length == 126)
		size += 2;
	else if (length == 127)
		size += 8;
	if (header[1] & 0x80)
		size += 4; /* masking key */
	return size;
}

uint64_t payloadLength(const uint8_t *header)
{
	uint8_t length = header[1] & 0x7f;
	if (length < 126)
		return length;
	if (length == 126)
		return (uint64_t(header[2]) << 8) | header[3];
	uint64_t value = 0;
	for (int i = 0; i < 8; i++)
		value = (value << 8) | header[2 + i];
	return value;
}

/* A whole header arrived: account for the message it belongs to. */
bool onHeader(WcamWsLimiter *self, GError **error)
{
	uint8_t opcode = self->header[0] & 0x0f;
	bool fin = self->header[0] & 0x80;
	uint64_t length = payloadLength(self->header);
	self->payloadLeft = length;

	/* Control frames (close, ping, pong) are small and never fragmented. */
	if (opcode & 0x08)
		return true;

	if (opcode != 0) /* text or binary: a new message starts */
		self->messageBytes = 0;
	self->messageBytes += length;
	if (self->messageBytes > self->maxMessage) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
			    "websocket message larger than %zu bytes", self->maxMessage);
		return false;
	}
	self->messageOpen = !fin;
	if (fin)
		self->messageBytes = 0;
	return true;
}

GConverterResult convert(GConverter *converter, const void *inbuf, gsize inSize, void *outbuf,
			 gsize outSize, GConverterFlags flags, gsize *bytesRead, gsize *bytesWritten,
			 GError **error)
{
	auto *self = reinterpret_cast<WcamWsLimiter *>(converter);
	gsize n = std::min(inSize, outSize);
	const auto *in = static_cast<const uint8_t *>(inbuf);

	/* Walk the bytes we pass on; payload runs are skipped in one step. */
	gsize pos = 0;
	while (pos < n) {
		if (self->stage == Stage::Payload) {
			uint64_t skip = std::min<uint64_t>(self->payloadLeft, n - pos);
			pos += skip;
			self->payloadLeft -= skip;
			if (self->payloadLeft == 0)
				self->stage = Stage::Header;
			continue;
		}
		self->header[self->headerHave++] = in[pos++];
		if (self->headerHave < 2 || self->headerHave < headerSize(self->header))
			continue;
		self->headerHave = 0;
		if (!onHeader(self, error))
			return G_CONVERTER_ERROR;
		if (self->payloadLeft > 0)
			self->stage = Stage::Payload;
	}

	memcpy(outbuf, inbuf, n);
	*bytesRead = n;
	*bytesWritten = n;
	if ((flags & G_CONVERTER_INPUT_AT_END) && n == inSize)
		return G_CONVERTER_FINISHED;
	if (flags & G_CONVERTER_FLUSH)
		return G_CONVERTER_FLUSHED;
	return G_CONVERTER_CONVERTED;
}

void reset(GConverter *converter)
{
	wcam_ws_limiter_init(reinterpret_cast<WcamWsLimiter *>(converter));
}

void wcamWsLimiterIfaceInit(GConverterIface *iface)
{
	iface->convert = convert;
	iface->reset = reset;
}

} /* namespace */

namespace wcam {

GConverter *webSocketLimiterNew(size_t maxMessage)
{
	auto *self = static_cast<WcamWsLimiter *>(g_object_new(wcam_ws_limiter_get_type(), nullptr));
	self->maxMessage = maxMessage;
	return G_CONVERTER(self);
}

GIOStream *webSocketLimitStream(GIOStream *base, size_t maxMessage)
{
	g_autoptr(GConverter) limiter = webSocketLimiterNew(maxMessage);
	g_autoptr(GInputStream) input =
		g_converter_input_stream_new(g_io_stream_get_input_stream(base), limiter);
	GIOStream *stream = g_simple_io_stream_new(input, g_io_stream_get_output_stream(base));
	/* The substreams do not own the socket; `base` does. Keep it with us. */
	g_object_set_data_full(G_OBJECT(stream), "wcam-base-stream", g_object_ref(base),
			       [](gpointer data) {
				       auto s = GObjectPtr<GIOStream>::adopt(G_IO_STREAM(data));
				       if (!g_io_stream_is_closed(s.get()))
					       g_io_stream_close(s.get(), nullptr, nullptr);
			       });
	return stream;
}

} /* namespace wcam */
