'''Gone.'''
