return Quanta.Cli.Cli.Run(args);
