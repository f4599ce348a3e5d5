"""Exchange with the lab's other tools: .eln files (ELN Consortium) and NOMAD archives."""
