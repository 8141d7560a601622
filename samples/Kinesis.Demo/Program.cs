using Kinesis.LocalServices;

// The README's main job. For now it starts the local emulators, shows their endpoints and stops them;
// producing and consuming arrive with the producer and consumer packages.
Console.WriteLine("Starting kinesis-local, kinesalite and dynalite on 127.0.0.1 ...");
await using var services = await LocalAwsServices.StartAsync();
foreach (var service in services.All)
{
    Console.WriteLine($"  {service.Kind,-13} {service.Endpoint}");
}

Console.WriteLine("All services answered. Stopping them.");
