"""The review web page (server-rendered, no JavaScript), served by the HTTP app."""
