"""The language-model agent: its prompt, its validated tools, the streamed conversation, and the `ChatModel`
protocol the providers implement."""
