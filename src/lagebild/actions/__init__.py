"""The use cases both front ends perform: import a file with its checks, undo an import, edit
and delete a record, grade a source, the convoy's life, evidence and accounts.

The command line and the web app parse what they are given, call one function here and render
what it returns; this layer calls ``analysis``, ``ingest``, ``store``, ``model``, ``security`` and
``evidence``, never a front end.
"""
