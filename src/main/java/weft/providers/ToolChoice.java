package weft.providers;

/**
 * Whether and which of the offered tools the model must call, as OpenAI's {@code tool_choice}
 * puts it. It only means something when tools are offered: a request without tools sends
 * nothing about it, whatever it is. Each provider sends it under its own name, and sends
 * nothing for {@link #AUTO}, which is every provider's default.
 */
public sealed interface ToolChoice {
    /** The model decides for itself whether to call tools, which ones, or to answer in text. */
    ToolChoice AUTO = Mode.AUTO;
    /** The model calls no tool and answers in text, though the tools are still described to it. */
    ToolChoice NONE = Mode.NONE;
    /** The model must call at least one of the offered tools, whichever it picks, rather than answer in text. */
    ToolChoice REQUIRED = Mode.REQUIRED;

    /** The choices that name no tool. */
    enum Mode implements ToolChoice { AUTO, NONE, REQUIRED }

    /**
     * The model must call this one tool, and only it.
     *
     * @param name an offered tool's name; one not offered is refused by the real providers
     */
    record Function(String name) implements ToolChoice {
        public Function {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("a forced tool needs a name");
        }
    }
}
