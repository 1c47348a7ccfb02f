"""After the call: what the caller wanted, a lead and a summary, written by a job (`tasks.process_call`)."""
