"""Step implementations for the Gherkin scenarios in `features/`.

`kubectl` parses the article's kubectl subset into driver calls; `common` holds the
scenario's world (files, last command, pod picks, recorded observations) and generic
checks; one module per concept holds the domain checks. Every step reaches the system
under test through the `kubesim.driver.Driver` methods only, so the same scenarios run on
the embedded model and on a real cluster. Chinese step texts are registered on the same
functions as the English ones.
"""
