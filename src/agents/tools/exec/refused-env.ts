/**
 * Variables a host command may not get from the model's `env` argument, with why: each makes an
 * approved program run code nobody approved (another binary, a preloaded library, a startup
 * script), so allowing it would turn any allowlisted command into an arbitrary one.
 */
const REFUSED: Record<string, string> = {
  PATH: "it chooses which programs run",
  HOME: "programs read their startup files and config (.bashrc, .gitconfig, …) from it",
  NODE_OPTIONS: "it makes Node.js load and run other code",
  NODE_PATH: "it makes Node.js load other modules",
  PYTHONPATH: "it makes Python import other modules",
  PYTHONSTARTUP: "it makes Python run a startup script",
  PYTHONHOME: "it makes Python load another standard library",
  PERL5OPT: "it passes options (such as -M modules) to every Perl program",
  PERL5LIB: "it makes Perl load other modules",
  PERLLIB: "it makes Perl load other modules",
  RUBYOPT: "it passes options (such as -r libraries) to every Ruby program",
  RUBYLIB: "it makes Ruby load other libraries",
  BASH_ENV: "it makes bash run a script first",
  ENV: "it makes sh run a script first",
  SHELLOPTS: "it changes how the shell runs the command",
  BASHOPTS: "it changes how the shell runs the command",
  PS4: "the shell expands it (running commands) while tracing",
  PROMPT_COMMAND: "it makes bash run a command",
  IFS: "it changes how the shell splits words",
  GIT_SSH_COMMAND: "it makes git run another program",
  GIT_SSH: "it makes git run another program",
  GIT_EXEC_PATH: "it makes git run other programs as its subcommands",
  GIT_PAGER: "it makes git run another program",
  PAGER: "it names a program other programs start",
  EDITOR: "it names a program other programs start",
  VISUAL: "it names a program other programs start",
  LESSOPEN: "it makes less run a command",
  JAVA_TOOL_OPTIONS: "it makes the JVM load agents and other code",
  _JAVA_OPTIONS: "it makes the JVM load agents and other code",
  CLASSPATH: "it makes Java load other classes",
};

const REFUSED_PREFIXES: Array<[string, string]> = [
  ["LD_", "it injects libraries into the programs that run"],
  ["DYLD_", "it injects libraries into the programs that run"],
  ["GIT_CONFIG", "it sets git configuration, which can make git run other programs"],
];

/** Why the model may not set this variable for a host command, or null when it may. */
export function hostEnvRefusal(name: string): string | null {
  return REFUSED[name] ?? REFUSED_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1] ?? null;
}
